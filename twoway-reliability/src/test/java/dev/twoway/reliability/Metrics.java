package dev.twoway.reliability;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.DoublePredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Prometheus endpoint of a running {@code twoway run} (docs/metrics.md): the scenario enables the server on a
 * free port, creates a viewer key with {@code twoway keys create}, and reads samples as a scraper would.
 */
final class Metrics {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final TwowayProcess twoway;
    private final String key;

    private Metrics(TwowayProcess twoway, String key) {
        this.twoway = twoway;
        this.key = key;
    }

    /** Switches the scenario's config to serve the API and metrics on a free loopback port, and creates a key. */
    static Metrics enable(TwowayProcess twoway) throws Exception {
        java.nio.file.Path yaml = twoway.dir().resolve("twoway.yaml");
        String config = java.nio.file.Files.readString(yaml);
        String served = config.replaceFirst("(?m)^server:.*$", "server: { listen: \"127.0.0.1:0\" }");
        if (served.equals(config)) throw new IllegalStateException("no server line in " + yaml);
        java.nio.file.Files.writeString(yaml, served);
        TwowayProcess.Result created = twoway.exec("keys", "create", "--name", "prometheus", "--role", "viewer");
        if (created.exit() != 0) throw new AssertionError("twoway keys create failed: " + created.all());
        return new Metrics(twoway, created.out().strip());
    }

    /** The port the running twoway's API listens on (from its log), or 0 before it says. */
    private int port() {
        Matcher m = Pattern.compile("API at http://127\\.0\\.0\\.1:(\\d+)/api/v1").matcher(twoway.log());
        int port = 0;
        while (m.find()) port = Integer.parseInt(m.group(1)); // the latest start's
        return port;
    }

    /** One sample ({@code labels} as Prometheus prints them, sorted), or NaN if the series is not there (yet). */
    double sample(String name, String labels) {
        int port = port();
        if (port == 0) return Double.NaN;
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                    .header("Authorization", "Bearer " + key).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) throw new AssertionError("GET /metrics answered " + r.statusCode() + ": " + r.body());
            Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{" + Pattern.quote(labels) + "} (\\S+)$").matcher(r.body());
            return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
        } catch (java.io.IOException e) {
            return Double.NaN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Double.NaN;
        }
    }

    /** Waits until the sample satisfies {@code condition}; fails with the last value seen after {@code limit}. */
    double await(String name, String labels, DoublePredicate condition, Duration limit, String what) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        double v = Double.NaN;
        while (System.nanoTime() < deadline) {
            v = sample(name, labels);
            if (!Double.isNaN(v) && condition.test(v)) return v;
            Thread.sleep(500);
        }
        throw new AssertionError(what + ": " + name + "{" + labels + "} was " + v + " after " + limit.toSeconds() + " s; twoway's log:\n" + twoway.log());
    }
}
