package dev.twoway.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A config that uses every key of {@link ConfigReference} at least once, with the files and environment it needs.
 * Tests read it whole, or change one line of it to make one problem.
 */
final class FullConfig {
    static final String PG_PASSWORD = "pg-s3cret";
    static final String ERP_PASSWORD = "erp-s3cret";
    static final String HOOK_SECRET = "hook-s3cret-0123456789";
    static final Map<String, String> ENV = Map.of("PG_PASSWORD", PG_PASSWORD);

    static final String YAML = """
            state: ./data
            engine:
              batch-size: 250
              max-attempts: 5
              poll-interval: 500ms
              clock-check: 10m
            server:
              enabled: true
              listen: 0.0.0.0:9090
              allow-http: true
              tls:
                certificate: server.crt
                key: server.key
              jwt:
                jwks-url: https://login.example.com/.well-known/jwks.json
                issuer: https://login.example.com/
                audience: twoway
                roles-claim: groups
                syncs-claim: twoway_syncs
            notifications:
              webhooks:
                - name: ops
                  url: https://hooks.example.com/twoway
                  format: json
                  secret: ${file:hook-secret.txt}
                  events: [conflict.waiting, deadletter.created]
                  timeout: 5s
                  max-attempts: 3
                  include-values: true
                  allow-http: false
                - name: chat
                  url: http://chat.internal:8080/hooks/T000/B000/XXXX
                  format: slack
                  allow-http: yes
            systems:
              crm:
                connector: postgres
                url: jdbc:postgresql://crm-db:5432/crm
                user: twoway
                password: ${env:PG_PASSWORD}
                zone: Europe/Berlin
              erp:
                connector: mariadb
                url: jdbc:mariadb://erp-db:3306/erp
                user: sync
                password: ${file:secret.txt}
              shop:
                connector: sqlite
                path: shop.db
            syncs:
              customers:
                capture: poll
                schedule: every 5m
                endpoints:
                  crm:
                    table: customers
                    schema: public
                    key: id
                    capture: triggers
                    external-id: twoway_id
                    archive-table: customers_old
                  erp:
                    table: Customer
                    key: [CustomerId, Region]
                    direction: both
                    updated-at: ModifiedAt
                    soft-delete: Deleted
                    overlap: 3s
                    delete-scan: 1h
                    page-size: 200
                  shop:
                    table: customer
                    direction: target
                    capture: checksum
                    filter: "record.active == true"
                fields:
                  email:
                    type: string
                    match: true
                    sensitive: false
                    crm: email
                    erp: { column: Email }
                    shop: email
                  full_name:
                    crm:
                      from: "row.first + ' ' + row.last"
                      to:
                        first: "record.full_name.split(' ')[0]"
                        last: "record.full_name.split(' ')[1]"
                    erp: Name
                  tier:
                    crm: tier
                    erp: { column: Tier, values: { gold: 1, silver: 2 }, fallback: silver, default: silver }
                  since:
                    type: date
                    crm: since
                    erp: { column: Since, format: dd.MM.yyyy, zone: Europe/Paris }
                  active:
                    type: boolean
                    crm: active
                    erp: { column: Active, true: Y, false: N }
                    shop: active
                  photo:
                    type: bytes
                    crm: photo
                    erp: { column: Photo, bytes: hex }
                  phone: { crm: phone, erp: Phone }
                  notes: { crm: notes, erp: Notes }
                match: [email]
                conflicts:
                  default: last-write-wins
                  priority: [erp, crm]
                  delete-vs-update: update-wins
                  skew-window: 2s
                  fields:
                    email: { owner: crm }
                    tier: priority
                    phone: manual
                    since: { priority: [erp, crm] }
                    full_name: { rule: "incoming.system == 'crm' ? incoming.value : current.value" }
                    notes: last-write-wins
                deletes:
                  policy: soft
                  field: active
                  value: false
                validate:
                  - rule: "record.email.contains('@')"
                    message: an email needs an @
                  - rule: "record.tier != ''"
              orders:
                endpoints:
                  crm:
                    table: orders
                    references:
                      customer_id: customers
                  erp:
                    table: Order
                    references: { CustomerId: customers }
                fields:
                  total: { type: decimal, crm: total, erp: Total }
                  customer: { crm: customer_id, erp: CustomerId }
                conflicts:
                  default: priority
                  priority: [erp]
                deletes: archive
            """;

    private FullConfig() {
    }

    /** Writes {@code yaml} as twoway.yaml into {@code dir}, beside the secret file the full config reads. */
    static Path write(Path dir, String yaml) throws IOException {
        Files.writeString(dir.resolve("secret.txt"), ERP_PASSWORD + "\n");
        Files.writeString(dir.resolve("hook-secret.txt"), HOOK_SECRET + "\n");
        Path file = dir.resolve("twoway.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    /**
     * The full config with {@code old} replaced; {@code old} must occur exactly once, so no test silently reads the
     * valid config or changes more than it says.
     */
    static String with(String old, String replacement) {
        int at = YAML.indexOf(old);
        if (at < 0 || YAML.indexOf(old, at + 1) >= 0) throw new IllegalArgumentException("'" + old + "' is not in the full config exactly once");
        return YAML.replace(old, replacement);
    }

    /** The first line of {@code yaml} containing {@code text}. */
    static String lineText(String yaml, String text) {
        return yaml.split("\n", -1)[lineOf(yaml, text) - 1];
    }

    /** The 1-based number of the first line of {@code yaml} containing {@code text}. */
    static int lineOf(String yaml, String text) {
        String[] lines = yaml.split("\n", -1);
        for (int i = 0; i < lines.length; i++) if (lines[i].contains(text)) return i + 1;
        throw new IllegalArgumentException("no line contains '" + text + "'");
    }
}
