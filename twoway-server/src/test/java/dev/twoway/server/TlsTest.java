package dev.twoway.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.twoway.store.sqlite.SqliteStateStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The API over TLS, with certificates made by openssl (PEM) and keytool (PKCS#12) as an operator would make them. */
class TlsTest {
    @TempDir
    Path dir;

    private static final SyncOperations NONE = new SyncOperations() {
        @Override
        public ObjectNode status() {
            return new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        }

        @Override
        public String resolveConflict(long id, JsonNode choice, String actor, String comment) {
            throw new IllegalArgumentException("none");
        }

        @Override
        public String retryDeadLetter(long id) {
            throw new IllegalArgumentException("none");
        }
    };

    @Test
    void servesTheConfiguredPemCertificateAndNoPlainHttp() throws Exception {
        exec("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=twoway-test",
                "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", "key.pem", "-out", "cert.pem");
        Tls tls = Tls.fromPem(dir.resolve("cert.pem"), dir.resolve("key.pem"));
        X509Certificate expected = certificate(dir.resolve("cert.pem"));
        try (SqliteStateStore store = SqliteStateStore.open(dir.resolve("state.db"));
             ApiServer server = new ApiServer(store, NONE, Optional.empty()).withTls(tls).start("127.0.0.1", 0)) {
            HttpResponse<String> r = trusting(expected).send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.port() + "/api/v1/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.sslSession().orElseThrow().getPeerCertificates()[0]).isEqualTo(expected);
            assertThat(r.sslSession().orElseThrow().getProtocol()).isIn("TLSv1.3", "TLSv1.2");
            try {
                int plain = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/v1/health"))
                        .build(), HttpResponse.BodyHandlers.ofString()).statusCode();
                assertThat(plain).as("plain HTTP on the TLS port is not served").isNotEqualTo(200);
            } catch (IOException refused) {
                // the TLS connector does not speak plain HTTP: as it should be
            }
        }
    }

    @Test
    void servesAPkcs12Keystore() throws Exception {
        exec("keytool", "-genkeypair", "-keystore", "server.p12", "-storetype", "PKCS12", "-storepass", "changeit", "-alias", "twoway",
                "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=twoway-p12", "-ext", "SAN=ip:127.0.0.1", "-validity", "2");
        Tls tls = Tls.fromKeystore(dir.resolve("server.p12"), "changeit");
        assertThat(tls.certificate().getSubjectX500Principal().getName()).isEqualTo("CN=twoway-p12");
        try (SqliteStateStore store = SqliteStateStore.open(dir.resolve("state.db"));
             ApiServer server = new ApiServer(store, NONE, Optional.empty()).withTls(tls).start("127.0.0.1", 0)) {
            HttpResponse<String> r = trusting(tls.certificate()).send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.port() + "/api/v1/syncs"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as("TLS works; the API still wants a credential").isEqualTo(401);
        }
        assertThatThrownBy(() -> Tls.fromKeystore(dir.resolve("server.p12"), "wrong")).hasMessageContaining("cannot open the keystore")
                .hasMessageContaining("server.p12");
    }

    @Test
    void badFilesAreClearErrors() throws Exception {
        exec("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=x", "-keyout", "key.pem", "-out", "cert.pem");
        exec("openssl", "rsa", "-in", "key.pem", "-traditional", "-out", "rsa.pem");
        assertThatThrownBy(() -> Tls.fromPem(dir.resolve("cert.pem"), dir.resolve("rsa.pem"))).hasMessageContaining("RSA PRIVATE KEY")
                .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
        assertThatThrownBy(() -> Tls.fromPem(dir.resolve("key.pem"), dir.resolve("key.pem"))).hasMessageContaining("holds no");
        assertThatThrownBy(() -> Tls.fromPem(dir.resolve("cert.pem"), dir.resolve("missing.pem"))).hasMessageContaining("cannot read the TLS key");
        exec("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=y",
                "-keyout", "other-key.pem", "-out", "other-cert.pem");
        assertThatThrownBy(() -> Tls.fromPem(dir.resolve("cert.pem"), dir.resolve("other-key.pem"))).isInstanceOf(IllegalArgumentException.class);
    }

    private void exec(String... command) throws Exception {
        Process p = new ProcessBuilder(List.of(command)).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command) + "\n" + out).isZero();
    }

    private static X509Certificate certificate(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    private static HttpClient trusting(X509Certificate cert) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(ctx).build();
    }
}
