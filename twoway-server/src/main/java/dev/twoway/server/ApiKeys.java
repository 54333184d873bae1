package dev.twoway.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.twoway.store.StateStore;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * API keys, kept in the state store as SHA-256 hashes only: the key itself is shown once, when it is created. Keys
 * are 256 random bits, so a plain hash is as strong as a slow one here (there is nothing to guess) and lets every
 * request be checked cheaply. Revoked keys stay listed, marked with when they were revoked.
 */
public final class ApiKeys {
    static final String PREFIX = "tw_";
    private static final String META = "apikeys";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    /** One key as listed: never the key, nor its hash. */
    public record Key(String id, String name, Role role, Set<String> syncs, Instant createdAt, Instant revokedAt) {
        public boolean active() {
            return revokedAt == null;
        }
    }

    /** A new key: {@code secret} is the only time the key is visible. */
    public record Created(Key key, String secret) {
        @Override
        public String toString() {
            return "Created[" + key + ", secret=***]";
        }
    }

    private final StateStore store;

    public ApiKeys(StateStore store) {
        this.store = store;
    }

    public Created create(String name, Role role, Set<String> syncs) {
        if (name == null || !name.matches("[A-Za-z0-9_.@-]{1,64}")) {
            throw new IllegalArgumentException("key name '" + name + "': use 1-64 letters, digits, '.', '_', '-' or '@'");
        }
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        String id = HexFormat.of().formatHex(raw, 0, 4);
        String secret = PREFIX + id + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        Instant now = Instant.now();
        store.run(tx -> {
            ArrayNode all = read(tx.meta(META).orElse("[]"));
            for (JsonNode k : all) {
                if (k.path("name").asText().equals(name) && k.path("revokedAt").isNull()) {
                    throw new IllegalArgumentException("an active key named '" + name + "' exists (id " + k.path("id").asText() + "); revoke it first or choose another name");
                }
            }
            ObjectNode k = all.addObject().put("id", id).put("name", name).put("role", role.configName()).put("hash", hash(secret))
                    .put("createdAt", now.toString()).putNull("revokedAt");
            ArrayNode s = k.putArray("syncs");
            syncs.forEach(s::add);
            tx.putMeta(META, all.toString());
        });
        return new Created(new Key(id, name, role, syncs, now, null), secret);
    }

    public List<Key> list() {
        return store.inTransaction(tx -> {
            List<Key> out = new ArrayList<>();
            for (JsonNode k : read(tx.meta(META).orElse("[]"))) out.add(key(k));
            return out;
        });
    }

    /** Revokes a key by id or name; false if there is no active key of that id or name. */
    public boolean revoke(String idOrName) {
        return store.inTransaction(tx -> {
            ArrayNode all = read(tx.meta(META).orElse("[]"));
            boolean found = false;
            for (JsonNode k : all) {
                if ((k.path("id").asText().equals(idOrName) || k.path("name").asText().equals(idOrName)) && k.path("revokedAt").isNull()) {
                    ((ObjectNode) k).put("revokedAt", Instant.now().toString());
                    found = true;
                }
            }
            if (found) tx.putMeta(META, all.toString());
            return found;
        });
    }

    /** The caller a key belongs to, if the key is known and not revoked. */
    public Optional<Principal> authenticate(String secret) {
        if (secret == null || !secret.startsWith(PREFIX)) return Optional.empty();
        byte[] given = hash(secret).getBytes(StandardCharsets.US_ASCII);
        return store.inTransaction(tx -> {
            for (JsonNode k : read(tx.meta(META).orElse("[]"))) {
                // Constant-time comparison: the time taken says nothing about how much of a hash matched.
                if (MessageDigest.isEqual(given, k.path("hash").asText().getBytes(StandardCharsets.US_ASCII)) && k.path("revokedAt").isNull()) {
                    Key key = key(k);
                    return Optional.of(new Principal(key.name(), key.role(), key.syncs(), "api-key"));
                }
            }
            return Optional.empty();
        });
    }

    private static Key key(JsonNode k) {
        List<String> syncs = new ArrayList<>();
        k.path("syncs").forEach(s -> syncs.add(s.asText()));
        return new Key(k.path("id").asText(), k.path("name").asText(), Role.parse(k.path("role").asText()).orElse(Role.VIEWER), Set.copyOf(syncs),
                Instant.parse(k.path("createdAt").asText()), k.path("revokedAt").isNull() ? null : Instant.parse(k.path("revokedAt").asText()));
    }

    static String hash(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static ArrayNode read(String text) {
        try {
            JsonNode n = JSON.readTree(text);
            return n instanceof ArrayNode a ? a : JSON.createArrayNode();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("the stored API keys are unreadable: " + e.getOriginalMessage(), e);
        }
    }
}
