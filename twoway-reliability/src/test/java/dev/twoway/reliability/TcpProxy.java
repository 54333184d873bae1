package dev.twoway.reliability;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP forwarder in front of a database that the test controls: {@link #cut()} drops every open connection and
 * closes each new one at once (the database "went away"); {@link #stall()} keeps every connection open but forwards
 * nothing more on it, ever (a hung server, a half-open connection after a partition: no error, no answer);
 * {@link #delay(long)} holds every chunk for a while (a slow link); {@link #restore()} forwards again for new
 * connections and undoes a delay, but connections stalled stay stalled (as a half-open connection does).
 */
final class TcpProxy implements AutoCloseable {
    private final ServerSocket server;
    private final String targetHost;
    private final int targetPort;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean cut;
    private volatile boolean stalled;
    private volatile long delayMillis;
    /** Connections stalled once: they forward nothing until closed. */
    private final Set<Socket> blackholed = ConcurrentHashMap.newKeySet();

    TcpProxy(String targetHost, int targetPort) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        Thread.ofPlatform().name("proxy-accept").daemon().start(this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                if (cut) {
                    client.close();
                    continue;
                }
                Socket upstream = new Socket(targetHost, targetPort);
                open.add(client);
                open.add(upstream);
                pump(client, upstream);
                pump(upstream, client);
            } catch (IOException e) {
                // a refused upstream or a closed server socket: the client sees its connection closed
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread.ofPlatform().daemon().start(() -> {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                byte[] buffer = new byte[16_384];
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    if (stalled) {
                        blackholed.add(from);
                        blackholed.add(to);
                    }
                    if (blackholed.contains(from)) continue; // swallowed: the peer waits for an answer that never comes
                    long delay = delayMillis;
                    if (delay > 0) Thread.sleep(delay);
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                // the other direction or cut() closed the socket
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        });
    }

    /** The database goes away: every connection through the proxy is dropped, new ones are closed on arrival. */
    void cut() {
        cut = true;
        for (Socket s : open) closeQuietly(s);
        open.clear();
    }

    void restore() {
        cut = false;
        stalled = false;
        delayMillis = 0;
    }

    /** From now on every open and new connection forwards nothing more (until closed by an end), not even after {@link #restore()}. */
    void stall() {
        stalled = true;
        blackholed.addAll(open);
    }

    /** Holds each chunk forwarded (either way) {@code millis} before passing it on. */
    void delay(long millis) {
        delayMillis = millis;
    }

    private void closeQuietly(Socket s) {
        open.remove(s);
        blackholed.remove(s);
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        cut();
        server.close();
    }
}
