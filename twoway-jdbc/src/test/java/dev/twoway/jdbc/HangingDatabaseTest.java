package dev.twoway.jdbc;

import dev.twoway.spi.SystemUnavailableException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A database that accepts the TCP connection and then never answers (a hung server, a half-open connection after a
 * partition): twoway's connection attempt gives up with "unavailable" instead of blocking its thread forever, as
 * the drivers' defaults (no read timeout) would. Reads on an open connection are bounded the same way
 * ({@code socketTimeout}); the reliability suite's slow-target scenario stalls a real connection mid-stream.
 */
class HangingDatabaseTest {

    @ParameterizedTest
    @ValueSource(strings = {"jdbc:postgresql://127.0.0.1:%d/db", "jdbc:mariadb://127.0.0.1:%d/db"})
    void aServerThatNeverAnswersIsUnavailableNotAHang(String url) throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<Socket> accepted = new ArrayList<>();
            Thread.ofVirtual().start(() -> {
                try {
                    while (true) accepted.add(silent.accept()); // accept, read nothing, answer nothing
                } catch (java.io.IOException e) {
                    // closed by the test
                }
            });
            Database db = new Database("erp", url.formatted(silent.getLocalPort()), "root", null, null);
            CompletableFuture<Throwable> attempt = CompletableFuture.supplyAsync(() -> {
                try {
                    db.open().close();
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            });
            // Generous: the default connect/login timeout is 10 s; without any timeout this would never complete.
            Throwable failure = attempt.get(3, TimeUnit.MINUTES);
            assertThat(failure).isInstanceOf(SystemUnavailableException.class).hasMessageContaining("erp: cannot connect to");
            for (Socket s : accepted) s.close();
        }
    }

    @Test
    void timeoutsAreDefaultsThatTheUrlOverrides() {
        Properties pg = new Database("crm", "jdbc:postgresql://h/db", "u", null, null).connectionProperties();
        assertThat(pg).containsEntry("socketTimeout", "120").containsEntry("connectTimeout", "10").containsEntry("loginTimeout", "10");
        Properties maria = new Database("erp", "jdbc:mariadb://h/db", "u", null, null).connectionProperties();
        assertThat(maria).containsEntry("socketTimeout", "120000").containsEntry("connectTimeout", "10000");

        Properties own = new Database("crm", "jdbc:postgresql://h/db?ssl=false&SocketTimeout=5", "u", null, null).connectionProperties();
        assertThat(own).doesNotContainKey("socketTimeout").containsEntry("connectTimeout", "10");
    }
}
