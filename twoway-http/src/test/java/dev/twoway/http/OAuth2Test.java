package dev.twoway.http;

import dev.twoway.config.Secret;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** OAuth2 against the HubSpot emulator's token endpoint: grants, caching, renewal on expiry and on 401, one shared renewal. */
class OAuth2Test {
    private HubSpotEmulator hs;

    @BeforeEach
    void start() throws Exception {
        hs = new HubSpotEmulator();
        hs.create("contacts", Map.of("email", "a@example.com"));
    }

    @AfterEach
    void stop() {
        hs.close();
    }

    private RestClient client(RestSystem.Auth auth) {
        return new RestClient(new RestSystem("hubspot", hs.url, auth, null, 1000, 8, 3, null));
    }

    private RestSystem.Auth.OAuth2 clientCredentials(String secret, boolean inBody) {
        return new RestSystem.Auth.OAuth2(URI.create(hs.url + "/oauth/v1/token"), hs.clientId, new Secret(secret), "crm.objects.contacts.read", null, inBody);
    }

    private int get(RestClient c) {
        return c.send("GET", c.uri("/crm/v3/objects/contacts", Map.of("limit", "10")), null, Map.of()).status();
    }

    @Test
    void clientCredentialsTokenIsFetchedOnceAndReused() {
        RestClient c = client(clientCredentials(hs.clientSecret, false));
        for (int i = 0; i < 5; i++) assertThat(get(c)).isEqualTo(200);
        assertThat(hs.tokensIssued.get()).isEqualTo(1);
    }

    @Test
    void aTokenAboutToExpireIsRenewedBeforeTheApiRefusesIt() throws Exception {
        hs.tokenSeconds = 1;
        RestClient c = client(clientCredentials(hs.clientSecret, true));
        assertThat(get(c)).isEqualTo(200);
        Thread.sleep(1_100);
        assertThat(get(c)).isEqualTo(200);
        assertThat(hs.tokensIssued.get()).isEqualTo(2);
        assertThat(hs.expired401.get()).as("renewed before expiry, so never refused").isZero();
    }

    @Test
    void aRefusedTokenIsRenewedOnceAndTheRequestRetried() {
        RestClient c = client(clientCredentials(hs.clientSecret, false));
        assertThat(get(c)).isEqualTo(200);
        hs.revokeTokens();
        assertThat(get(c)).isEqualTo(200);
        assertThat(hs.tokensIssued.get()).isEqualTo(2);
    }

    @Test
    void concurrentRequestsRefusedAtOnceShareOneRenewal() throws Exception {
        RestClient c = client(clientCredentials(hs.clientSecret, false));
        assertThat(get(c)).isEqualTo(200);
        hs.revokeTokens();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> f = new ArrayList<>();
            for (int i = 0; i < 16; i++) f.add(pool.submit(() -> get(c)));
            for (Future<Integer> x : f) assertThat(x.get()).isEqualTo(200);
        } finally {
            pool.shutdown();
        }
        assertThat(hs.tokensIssued.get()).as("the first token and one renewal shared by all").isEqualTo(2);
    }

    @Test
    void refreshTokenGrantWithCredentialsInTheBody() {
        RestClient c = client(new RestSystem.Auth.OAuth2(URI.create(hs.url + "/oauth/v1/token"), hs.clientId, new Secret(hs.clientSecret), null,
                new Secret(hs.refreshToken), true));
        assertThat(get(c)).isEqualTo(200);
        assertThat(c.tokenRenewals()).isEqualTo(1);
    }

    @Test
    void aRefreshTokenTheProviderRotatedIsKeptForTheNextStartUntilTheConfiguredOneChanges(@org.junit.jupiter.api.io.TempDir java.nio.file.Path state)
            throws Exception {
        hs.rotateRefreshTokens = true;
        java.nio.file.Path kept = state.resolve("oauth2-hubspot.json");
        RestSystem.Auth.OAuth2 configured = new RestSystem.Auth.OAuth2(URI.create(hs.url + "/oauth/v1/token"), hs.clientId, new Secret(hs.clientSecret), null,
                new Secret(hs.refreshToken), true);
        RestSystem system = new RestSystem("hubspot", hs.url, configured, null, 1000, 8, 3, null);

        assertThat(get(new RestClient(system, kept))).isEqualTo(200);
        String rotated = hs.validRefreshToken();
        assertThat(rotated).as("the emulator rotated the configured token away").isNotEqualTo(hs.refreshToken);
        assertThat(java.nio.file.Files.readString(kept)).contains(rotated).doesNotContain(hs.refreshToken);
        assertThat(java.nio.file.Files.getPosixFilePermissions(kept)).containsExactlyInAnyOrder(
                java.nio.file.attribute.PosixFilePermission.OWNER_READ, java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);

        // A restart with the same configuration: the configured token is revoked, the kept one works (and rotates again).
        assertThatThrownBy(() -> get(new RestClient(system))).as("without the kept token").hasMessageContaining("invalid_grant");
        assertThat(get(new RestClient(system, kept))).isEqualTo(200);
        assertThat(java.nio.file.Files.readString(kept)).contains(hs.validRefreshToken()).doesNotContain("\"" + rotated + "\"");

        // Someone authorized again and configured the new token: it wins over the kept one.
        hs.rotateRefreshTokens = false;
        String fresh = hs.validRefreshToken();
        java.nio.file.Files.writeString(kept, java.nio.file.Files.readString(kept).replace(fresh, "refresh-revoked-long-ago"));
        RestSystem reconfigured = new RestSystem("hubspot", hs.url, new RestSystem.Auth.OAuth2(URI.create(hs.url + "/oauth/v1/token"), hs.clientId,
                new Secret(hs.clientSecret), null, new Secret(fresh), true), null, 1000, 8, 3, null);
        assertThat(get(new RestClient(reconfigured, kept))).as("the configured token changed: the kept one is not used").isEqualTo(200);
    }

    @Test
    void aWrongSecretIsReportedWithoutTheSecret() {
        RestClient c = client(clientCredentials("not-the-secret-xyz", false));
        assertThatThrownBy(() -> get(c)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("invalid_client").hasMessageContaining("client-secret").hasMessageNotContaining("not-the-secret-xyz");
    }

    @Test
    void aWrongRefreshTokenIsReportedWithoutIt() {
        RestClient c = client(new RestSystem.Auth.OAuth2(URI.create(hs.url + "/oauth/v1/token"), hs.clientId, new Secret(hs.clientSecret), null,
                new Secret("stale-refresh-123"), true));
        assertThatThrownBy(() -> get(c)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("invalid_grant").hasMessageContaining("new authorization").hasMessageNotContaining("stale-refresh-123");
    }

    @Test
    void settingsNeverShowTheirSecrets() {
        RestSystem.Auth.OAuth2 a = new RestSystem.Auth.OAuth2(URI.create("https://login.example.com/token?x=1"), "id-1", new Secret("s3cr3t"), "a b",
                new Secret("r3fr3sh"));
        RestSystem s = RestSystem.of("x", URI.create("https://api.example.com"), a);
        assertThat(s.toString()).doesNotContain("s3cr3t").doesNotContain("r3fr3sh").doesNotContain("x=1").contains("id-1");
        assertThatThrownBy(() -> new RestSystem.Auth.OAuth2(URI.create("https://t"), "id", null, null, null))
                .hasMessageContaining("client secret").hasMessageContaining("refresh token");
    }
}
