package dev.twoway.cli;

import dev.twoway.server.notify.Notifier;
import dev.twoway.server.notify.WebhookSettings;

import org.slf4j.LoggerFactory;

import java.time.InstantSource;

/** The webhooks of {@code twoway run}: events from the state store and from the run's status (see docs/notifications.md). */
final class RunNotifier {
    private RunNotifier() {
    }

    /** Starts the notifier, or returns null when the config names no webhook. */
    static Notifier start(Deployment d, dev.twoway.engine.EngineRuntime runtime) {
        var webhooks = d.config().notifications().webhooks();
        if (webhooks.isEmpty()) return null;
        RunOperations operations = new RunOperations(d, runtime);
        Notifier n = new Notifier(webhooks.stream().map(WebhookSettings::of).toList(), d.store(), Deployment.auditMask(d.config()),
                operations::status, Notifier.Options.DEFAULTS, InstantSource.system());
        n.start();
        LoggerFactory.getLogger("twoway").info("notifications: {}", String.join(", ", webhooks.stream()
                .map(w -> WebhookSettings.of(w).describe() + " " + w.events()).toList()));
        return n;
    }
}
