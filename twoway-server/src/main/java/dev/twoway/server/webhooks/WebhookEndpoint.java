package dev.twoway.server.webhooks;

import dev.twoway.server.ApiServer;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /webhooks/<system>}: the webhooks of the systems that have them, each handed to its {@link Receiver}
 * (twoway-http's {@code WebhookReceiver}), which checks the signature. No API key: the signature is the proof.
 * A body over {@code maxBodyBytes} is refused with 413 before it is read; an unknown system is 404.
 */
public final class WebhookEndpoint implements ApiServer.Extension {
    public static final String PATH = "/webhooks/{system}";

    /** What a system's webhook receiver answers. */
    public record Answer(int status, String message) {
    }

    /** One system's receiver; {@code url} is the request URL as the server saw it. */
    @FunctionalInterface
    public interface Receiver {
        Answer receive(String method, URI url, Map<String, List<String>> headers, byte[] body, String remote);
    }

    private final Map<String, Receiver> receivers;
    private final int maxBodyBytes;

    public WebhookEndpoint(Map<String, Receiver> receivers, int maxBodyBytes) {
        this.receivers = Map.copyOf(receivers);
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public void register(JavalinConfig cfg, ApiServer server) {
        cfg.routes.post(PATH, this::handle);
    }

    private void handle(Context ctx) throws IOException {
        Receiver r = receivers.get(ctx.pathParam("system"));
        if (r == null) {
            answer(ctx, new Answer(404, "no webhooks are configured for system '" + ctx.pathParam("system") + "'"));
            return;
        }
        long declared = ctx.contentLength();
        if (declared > maxBodyBytes) {
            answer(ctx, new Answer(413, "body larger than " + maxBodyBytes + " bytes"));
            return;
        }
        byte[] body;
        try (InputStream in = ctx.req().getInputStream()) {
            body = in.readNBytes(maxBodyBytes + 1); // one more: the receiver sees that it is too large
        }
        Map<String, List<String>> headers = new LinkedHashMap<>();
        var names = ctx.req().getHeaderNames();
        while (names.hasMoreElements()) {
            String n = names.nextElement();
            headers.put(n, java.util.Collections.list(ctx.req().getHeaders(n)));
        }
        answer(ctx, r.receive(ctx.method().name(), URI.create(ctx.fullUrl()), headers, body, ctx.ip()));
    }

    private static void answer(Context ctx, Answer a) {
        ctx.status(a.status()).json(Map.of("status", a.status(), "message", a.message()));
    }
}
