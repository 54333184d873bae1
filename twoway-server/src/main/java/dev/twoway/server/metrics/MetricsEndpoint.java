package dev.twoway.server.metrics;

import dev.twoway.server.ApiServer;
import dev.twoway.server.Principal;
import io.javalin.config.JavalinConfig;

/**
 * {@code GET /metrics}: the metrics in the Prometheus text format, served by the API's server. It needs a bearer
 * token (API key or JWT) of any role, viewer or above, that is not limited to some syncs: the metrics name and count
 * every sync. Prometheus sends the token with {@code authorization: { credentials_file: ... }}.
 */
public final class MetricsEndpoint implements ApiServer.Extension {
    public static final String PATH = "/metrics";
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final EngineMetrics metrics;

    public MetricsEndpoint(EngineMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void register(JavalinConfig cfg, ApiServer server) {
        cfg.routes.get(PATH, ctx -> {
            Principal p = server.authenticate(ctx); // every role includes viewer
            if (!p.syncs().isEmpty()) {
                throw new ApiServer.Denied(403, "the metrics cover every sync, and '" + p.name() + "' may only see " + String.join(", ", p.syncs())
                        + "; scrape with a key or token not limited to syncs");
            }
            ctx.contentType(CONTENT_TYPE).result(metrics.scrape());
        });
    }
}
