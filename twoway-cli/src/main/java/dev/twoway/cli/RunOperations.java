package dev.twoway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.twoway.engine.EngineRuntime;
import dev.twoway.server.SyncOperations;

/** The API's view of the engines {@code twoway run} is running: the same operations the CLI hands to it. */
final class RunOperations implements SyncOperations {
    private final Deployment deployment;
    private final EngineRuntime runtime;

    RunOperations(Deployment deployment, EngineRuntime runtime) {
        this.deployment = deployment;
        this.runtime = runtime;
    }

    @Override
    public ObjectNode status() {
        return new StatusReport(deployment.store()).read(deployment.config());
    }

    @Override
    public String resolveConflict(long id, JsonNode choice, String actor, String comment) {
        String take = choice.hasNonNull("take") ? choice.path("take").asText() : null;
        String value = choice.hasNonNull("value") ? choice.path("value").asText() : null;
        ObjectNode request = Operations.resolve(id, take, value, choice.path("delete").asBoolean(), choice.path("keep").asBoolean(), actor, comment);
        return Operations.execute(deployment, request);
    }

    @Override
    public String retryDeadLetter(long id) {
        return Operations.execute(deployment, Operations.retry(id));
    }

    @Override
    public String runNow(String sync) {
        return runtime.runNow(sync);
    }

    @Override
    public String discardDeadLetter(long id, String actor, String reason) {
        return Operations.execute(deployment, Operations.discard(id, actor, reason));
    }
}
