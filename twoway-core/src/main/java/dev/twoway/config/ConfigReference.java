package dev.twoway.config;

import java.util.List;
import java.util.Optional;

/**
 * Every setting of a twoway config: its section, name, what it takes, its default and what it does. The reader
 * accepts exactly these keys (anything else is an "unknown key" problem with a suggestion), and
 * docs/configuration.md holds {@link #markdown()} verbatim (a test keeps them equal), so the reference cannot drift
 * from the code.
 */
public final class ConfigReference {

    /** One setting. {@code required}: the section is incomplete without it. */
    public record Key(String name, String takes, String defaultValue, boolean required, String description) {
    }

    /** A section: its path pattern ({@code syncs.<sync>.endpoints.<system>}), what it is, and its settings. */
    public record Section(String path, String description, List<Key> keys) {
        public Optional<Key> key(String name) {
            return keys.stream().filter(k -> k.name().equals(name)).findFirst();
        }

        public List<String> names() {
            return keys.stream().map(Key::name).toList();
        }
    }

    private static Key req(String name, String takes, String description) {
        return new Key(name, takes, null, true, description);
    }

    private static Key opt(String name, String takes, String defaultValue, String description) {
        return new Key(name, takes, defaultValue, false, description);
    }

    public static final Section TOP = new Section("(top level)", "The file's top-level settings.", List.of(
            opt("state", "directory", "./twoway-data",
                    "Where the embedded state store lives (links, bases, outbox, conflicts, dead letters, audit trail). Relative to the config file."),
            opt("engine", "section", null, "How the engine runs; see `engine`."),
            opt("server", "section", null, "The HTTP API that `twoway run` serves; see `server`."),
            opt("notifications", "section", null, "Webhooks `twoway run` calls when something needs a person; see `notifications`."),
            req("systems", "section", "The connected systems by name; see `systems.<system>`."),
            req("syncs", "section", "The syncs by name; see `syncs.<sync>`.")));

    public static final Section ENGINE = new Section("engine", "Engine tuning; the defaults suit most deployments.", List.of(
            opt("batch-size", "integer ≥ 1", "500", "Changes read per capture step and writes sent per delivery step."),
            opt("max-attempts", "integer ≥ 1", "10", "Failed attempts of one write before it goes to dead letters."),
            opt("poll-interval", "duration", "1s",
                    "How long a realtime capture waits for a wake-up (PostgreSQL NOTIFY) before it looks again."),
            opt("clock-check", "duration", "5m", "How often each system's clock offset is measured again (last-write-wins corrects for it).")));

    public static final Section SERVER = new Section("server", "The HTTP API served by `twoway run` under `/api/v1` (see docs/api.md). "
            + "Callers authenticate with an API key (`twoway keys create`) or, when `jwt` is set, an OAuth2 / OIDC bearer token.", List.of(
            opt("enabled", "true | false", "true", "Whether `twoway run` serves the API."),
            opt("listen", "host:port", "127.0.0.1:8080", "Where to listen. Port 0 picks a free port (logged at start)."),
            opt("allow-http", "true | false", "false",
                    "Serve plain HTTP on an address other than loopback (only behind a proxy that terminates TLS). Not needed with `tls`."),
            opt("tls", "section", null, "Serve HTTPS with this certificate; see `server.tls`."),
            opt("jwt", "section", null, "Accept JWT bearer tokens; see `server.jwt`.")));

    public static final Section TLS = new Section("server.tls", "The server's certificate: PEM files (`certificate` and `key`) or a PKCS#12 "
            + "keystore (`keystore` and `password`). TLS 1.2 and 1.3 only; the API is then HTTPS only.", List.of(
            opt("certificate", "file", null, "PEM certificate chain, the server's certificate first (relative to the config file)."),
            opt("key", "file", null, "Its private key, PEM PKCS#8 (`-----BEGIN PRIVATE KEY-----`), unencrypted; keep the file readable only by twoway."),
            opt("keystore", "file", null, "A PKCS#12 keystore (`.p12`) with the private key and its chain; instead of `certificate` and `key`."),
            opt("password", "secret", null, "The keystore's password, as `${env:NAME}` or `${file:PATH}`.")));

    public static final Section JWT = new Section("server.jwt", "OAuth2 / OIDC bearer tokens: the signature is checked against a shared secret "
            + "or the issuer's published keys, then issuer, audience and expiry (60 s of clock skew allowed).", List.of(
            opt("secret", "secret", null, "An HS256 shared secret of at least 32 bytes, as `${env:NAME}` or `${file:PATH}`. Give this or `jwks-url`."),
            opt("jwks-url", "URL", null, "Where the issuer publishes its signing keys (RS256, ES256, PS256), e.g. `https://login.example.com/.well-known/jwks.json`."),
            req("issuer", "text", "The `iss` every token must carry."),
            req("audience", "text", "A value the token's `aud` must contain."),
            opt("roles-claim", "claim name", "roles", "The claim naming the caller's roles (`viewer`, `operator`, `admin`; the highest counts). A token naming none is refused."),
            opt("syncs-claim", "claim name", null, "A claim listing the syncs the caller may see and act on; without it, all.")));

    public static final Section NOTIFICATIONS = new Section("notifications", "Outbound notifications of `twoway run` (see docs/notifications.md).", List.of(
            opt("webhooks", "list", "[]", "The receivers; see `notifications.webhooks[]`.")));

    public static final Section WEBHOOK = new Section("notifications.webhooks[]", "One receiver: each event it takes is POSTed to its url, "
            + "signed with HMAC-SHA256 (`X-Twoway-Signature`), and retried with backoff while the receiver fails.", List.of(
            req("name", "name", "Names the webhook in logs; twoway remembers per name which events it has sent. Unique."),
            req("url", "URL", "Where to POST, `https://…` (a Slack incoming-webhook URL for `format: slack`). May be `${env:NAME}`; only its host is ever logged."),
            opt("format", "json | slack", "json", "`json`: the twoway event (docs/notifications.md). `slack`: a Slack message (`text` and `blocks`)."),
            opt("secret", "secret", null, "The HMAC-SHA256 key receivers verify signatures with, at least 16 bytes, as `${env:NAME}` or `${file:PATH}`. Required for `json`."),
            opt("events", "list of events", "all",
                    "Which events to send: `conflict.waiting`, `deadletter.created`, `sync.failing`, `sync.recovered`, `system.down`, `system.up`."),
            opt("timeout", "duration", "10s", "How long one delivery attempt may take (connect and response)."),
            opt("max-attempts", "integer ≥ 1", "8", "Attempts of one delivery (with exponential backoff, or as `Retry-After` says) before it is given up and logged."),
            opt("include-values", "true | false", "false",
                    "Put the conflicting values into `conflict.waiting` notifications (values of `sensitive` fields are masked). Off: only the field and the systems."),
            opt("allow-http", "true | false", "false", "Allow a plain `http://` url to a host other than loopback (the events name records and errors).")));

    public static final Section SYSTEM = new Section("systems.<system>", "One connected database. The name is how syncs refer to it. "
            + "An HTTP application is `connector: rest`, with the settings of `systems.<system> (rest)`.", List.of(
            req("connector", "postgres | mariadb | mysql | sqlite | rest", "The kind of system."),
            opt("url", "JDBC URL", null, "postgres, mariadb, mysql: the JDBC URL, e.g. `jdbc:postgresql://db:5432/crm`. Never put a password in it; use `password`."),
            opt("path", "file", null, "sqlite: the database file (relative to the config file); created if missing. Alternative to a `jdbc:sqlite:` url."),
            opt("user", "text", null, "The database user."),
            opt("password", "secret", null, "The password: write `${env:NAME}` or `${file:PATH}` so it stays out of the file. Never logged."),
            opt("zone", "zone id", "UTC", "The zone of timestamps stored without a zone (MariaDB DATETIME, PostgreSQL timestamp).")));

    public static final Section REST_SYSTEM = new Section("systems.<system> (rest)", "An HTTP application (`connector: rest`, see docs/http.md): "
            + "where it is, how twoway signs in, how hard twoway may use it, and its resources.", List.of(
            req("connector", "rest", "The kind of system."),
            opt("preset", "hubspot", null, "An application twoway knows: `hubspot` (CRM v3) sets base-url `https://api.hubapi.com` and requests-per-second 9, "
                    + "needs `auth`, and lets resources use `preset: hubspot-contacts` or `hubspot-companies`."),
            opt("base-url", "URL", "the preset's", "Every resource path is resolved against it, e.g. `https://api.example.com/v1`. Required without `preset`."),
            opt("auth", "section", "none", "How twoway signs in; see `systems.<system>.auth`."),
            opt("allow-http", "true | false", "false", "Allow a plain `http://` base-url to a host other than loopback (credentials and records would cross the network unencrypted)."),
            opt("timeout", "duration", "30s", "Longest wait for one response; a request that takes longer counts as the system being unavailable."),
            opt("requests-per-second", "number > 0", "50 (hubspot: 9)", "The request budget: twoway never starts more requests than this per second."),
            opt("max-concurrency", "integer ≥ 1", "4", "Requests in flight at once."),
            opt("max-retries", "integer ≥ 0", "3", "Retries of one request after a 5xx, a timeout or a refused connection before the system counts as unavailable."),
            opt("max-retry-after", "duration", "60s", "The longest `Retry-After` (429, 503) twoway waits inside one request; longer: the writes queue and are tried later."),
            req("resources", "section", "The resources syncs can use, by name; see `systems.<system>.resources.<resource>`."),
            opt("webhooks", "section", null, "The application posts change notifications to `twoway run` at `POST /webhooks/<system>`; see `systems.<system>.webhooks`.")));

    public static final Section REST_AUTH = new Section("systems.<system>.auth", "How twoway signs its requests. Secrets must be `${env:NAME}` or "
            + "`${file:PATH}`, never written into the file; they are never logged.", List.of(
            req("type", "bearer | api-key | basic | oauth2", "The scheme."),
            opt("token", "secret", null, "bearer: the token, sent as `Authorization: Bearer …`."),
            opt("header", "header name", "X-API-Key", "api-key: the header carrying the key (or give `query`)."),
            opt("query", "parameter name", null, "api-key: send the key as this query parameter instead of a header."),
            opt("key", "secret", null, "api-key: the key."),
            opt("user", "text", null, "basic: the user."),
            opt("password", "secret", null, "basic: the password."),
            opt("token-url", "URL", null, "oauth2: the token endpoint."),
            opt("client-id", "text", null, "oauth2: the client id."),
            opt("client-secret", "secret", null, "oauth2: the client secret (required unless a public client gives `refresh-token`)."),
            opt("scope", "text", null, "oauth2: the scopes to ask for, space-separated."),
            opt("refresh-token", "secret", null, "oauth2: a refresh token (authorization-code apps); without it, the client-credentials grant is used."),
            opt("client-auth", "basic | body", "basic", "oauth2: how the client id and secret reach the token endpoint: HTTP basic, or form fields (`body`, as HubSpot wants).")));

    public static final Section RESOURCE = new Section("systems.<system>.resources.<resource>", "One resource of the API (customers, contacts): "
            + "an entity syncs use as an endpoint with `resource: <resource>`. Pointers are JSON Pointers (`/id`, `/properties/email`); "
            + "the fields section of a sync maps canonical fields to property names or pointers, as it maps them to columns.", List.of(
            opt("preset", "hubspot-contacts | hubspot-companies", null, "A resource twoway knows (the system needs the matching `preset`): it sets "
                    + "everything but `properties`, `overlap` and `deletes`. Map its properties in syncs as `/properties/<name>`."),
            opt("properties", "list of names", "the mapped ones", "preset: the HubSpot properties to read besides those the syncs map, e.g. `[email, firstname]`."),
            opt("path", "path", null, "The collection, relative to base-url: list with GET, create with POST, e.g. `/customers`. Required without `preset`."),
            opt("item-path", "path with {id}", "<path>/{id}", "One item: GET, update, DELETE."),
            opt("items", "pointer", "the body", "Where a list response holds the array of items, e.g. `/data`."),
            opt("item", "pointer", "the body", "Where a single-item response (GET, POST, PATCH) holds the item, e.g. `/data`."),
            opt("id", "pointer", "/id", "An item's id."),
            opt("fields", "list of names or pointers", "the mapped ones", "Fields to read besides those the syncs map."),
            opt("modified-at", "pointer", null, "An item's modification time, ISO-8601 text. Without it every poll lists every item."),
            opt("modified-since", "query parameter", null, "The list parameter keeping items modified at or after a time, e.g. `updatedAt_gte`; needs `modified-at`, and `list-query` must sort by it, oldest first."),
            opt("list-query", "section", null, "Fixed parameters of every list request, e.g. `{ _sort: updatedAt, _order: asc }`."),
            opt("paging", "section", "page", "How the list is paged; see `systems.<system>.resources.<resource>.paging`."),
            opt("update", "patch | put", "patch", "`patch` sends the changed fields; `put` sends the whole item."),
            opt("conditional", "etag | version | read-compare-write", "etag",
                    "Guard against a change made between twoway's read and its write: `etag` sends `If-Match` when the API gives ETags, `version` sends `version-field` as read (the API answers 409 or 412 when it changed), `read-compare-write` compares only. The values are always compared first."),
            opt("version-field", "name or pointer", null, "conditional version: the field the API increments on every change."),
            opt("overlap", "duration", "2s", "An item is read once its modification time is this much older than the server's clock, so one stamped but not yet listed is not skipped."),
            opt("deletes", "section", "none", "How deletes are seen; see `systems.<system>.resources.<resource>.deletes`.")));

    public static final Section PAGING = new Section("systems.<system>.resources.<resource>.paging", "How a list request is paged.", List.of(
            opt("style", "page | offset | link | cursor | none", "page",
                    "`page`: page number and size; `offset`: item offset and size; `link`: follow the `Link: rel=\"next\"` header; `cursor`: a cursor read from the body; `none`: one response holds everything."),
            opt("size", "integer ≥ 1", "100", "Items per page."),
            opt("size-param", "query parameter", "limit", "The page-size parameter."),
            opt("page-param", "query parameter", "page (offset: offset)", "page, offset: the page-number or offset parameter."),
            opt("first-page", "integer ≥ 0", "1", "page: the number of the first page."),
            opt("cursor-param", "query parameter", "after", "cursor: the parameter carrying the cursor."),
            opt("cursor-pointer", "pointer", null, "cursor: where the response holds the next page's cursor (required for cursor).")));

    public static final Section REST_DELETES = new Section("systems.<system>.resources.<resource>.deletes", "How deletes in the API are seen.", List.of(
            req("detect", "id-scan | deleted-flag | tombstone | none", "`id-scan`: list every id every so often and report the ones gone; `deleted-flag`: an item with `field` = `value` is deleted, and twoway deletes by setting it; `tombstone`: an endpoint lists the ids deleted since a time; `none`: deletes in the API are not seen."),
            opt("every", "duration", "5m", "id-scan: how often."),
            opt("field", "name or pointer", null, "deleted-flag: the flag."),
            opt("value", "JSON value", "true", "deleted-flag: the value meaning deleted (`true`, `\"archived\"`, `1`)."),
            opt("path", "path", null, "tombstone: the list of deletions, relative to base-url, e.g. `/deleted/customers`."),
            opt("since-param", "query parameter", null, "tombstone: the parameter keeping deletions at or after a time, e.g. `since`."),
            opt("items", "pointer", "the body", "tombstone: where the response holds the array of deletions."),
            opt("id", "pointer", "/id", "tombstone: a deletion's item id."),
            opt("deleted-at", "pointer", null, "tombstone: a deletion's time, ISO-8601 text.")));

    public static final Section REST_WEBHOOKS = new Section("systems.<system>.webhooks", "Change notifications the application posts to "
            + "`twoway run` at `POST /webhooks/<system>` on its API server (no API key: the signature is checked instead). A valid one makes twoway "
            + "fetch the items it names at once; unsigned, badly signed, stale or replayed ones are answered 401 and logged without secrets. "
            + "The poller stays as the safety net. See docs/http.md#inbound-webhooks.", List.of(
            opt("signature", "hubspot-v3 | github | generic", "hubspot-v3 with preset hubspot",
                    "How requests are signed (HMAC-SHA256): HubSpot's v3 (`X-HubSpot-Signature-v3` over method, URL, body and timestamp), GitHub's (`X-Hub-Signature-256`), or `generic` (set `header`). Required without preset."),
            req("secret", "secret", "The HMAC key (HubSpot: the app's client secret), as `${env:NAME}` or `${file:PATH}`."),
            opt("public-url", "URL", "the URL requests arrive at", "The URL exactly as registered at the application; hubspot-v3 signs it, so set it when a proxy sits in front of twoway."),
            opt("tolerance", "duration", "5m", "How far a signed timestamp may be from now, either way; a replay within twice this is refused."),
            opt("max-body-bytes", "integer ≥ 1024", "1048576", "Larger bodies are refused with 413."),
            opt("coalesce", "duration", "250ms", "A woken source waits this long for more notifications before it fetches: a burst for one item is one fetch."),
            opt("header", "header name", null, "generic: the header holding the signature."),
            opt("encoding", "hex | base64", "hex", "generic: how the signature is written."),
            opt("prefix", "text", "none", "generic: text before the signature, e.g. `sha256=`."),
            opt("timestamp-header", "header name", null, "generic: the header holding the signed time (epoch s or ms), signed as `<time>.<body>`; without it the body alone is signed and only replays are checked."),
            opt("events", "pointer", "the body", "Where a notification holds its events (an array, or one event)."),
            opt("id", "pointer", "/id (hubspot: /objectId)", "In an event, the changed item's id."),
            opt("type", "pointer", "none (hubspot: /subscriptionType)", "In an event, its type; the text before its first `.` is looked up in `entities`."),
            opt("entities", "section", "none (hubspot: contact, company → their preset resources)", "Event type → resource, e.g. `{ contact: contacts }`; events of other types are ignored."),
            opt("resource", "name", "the only resource", "The resource of events without a type (or of a type not in `entities`)."),
            opt("trust-payload", "true | false", "false", "Use the item in the event as is instead of fetching it (set `item`). Only for applications whose events carry the whole, current item."),
            opt("item", "pointer", null, "trust-payload: where an event holds the whole item.")));

    public static final Section SYNC = new Section("syncs.<sync>", "One business object kept consistent across two or more endpoints.", List.of(
            req("endpoints", "section", "The tables taking part, by system name; at least two. See `syncs.<sync>.endpoints.<system>`."),
            req("fields", "section", "The canonical fields and their columns per system. See `syncs.<sync>.fields.<field>`."),
            opt("capture", "triggers | poll | checksum", "triggers", "How changes are found, for every endpoint that does not set its own."),
            opt("schedule", "realtime | every <n>s/m/h/d | cron", "realtime",
                    "When the sync runs: continuously (capture wakes the engine), at a fixed interval (`every 5m`), or on a 5-field cron expression (`*/15 * * * *`)."),
            opt("match", "list of fields", "[]", "Fields identifying the same record in different systems before twoway linked them (initial sync). Same as `match: true` on a field."),
            opt("conflicts", "section", "last-write-wins", "How a field changed in two systems is decided. See `syncs.<sync>.conflicts`."),
            opt("deletes", "propagate | soft | archive | confirm | ignore | section", "propagate",
                    "What a delete in one system does to the others. See `syncs.<sync>.deletes`."),
            opt("validate", "list", "[]", "Rules every record must pass when it is read from a system; a record that breaks one goes to dead letters. See `syncs.<sync>.validate[]`.")));

    public static final Section ENDPOINT = new Section("syncs.<sync>.endpoints.<system>", "One table of one system in this sync, or one resource of a rest system (for which only `resource`, `direction`, `filter` and `references` apply).", List.of(
            opt("table", "name", null, "The table, spelled as the database spells it (required for a database)."),
            opt("schema", "name", "the connection's", "PostgreSQL schema or MariaDB database holding the table."),
            opt("key", "column or list", "the primary key", "The columns identifying a row."),
            opt("direction", "both | source | target", "both", "`source`: read only, never written. `target`: written, never captured."),
            opt("capture", "triggers | poll | checksum", "the sync's", "How this table's changes are found."),
            opt("updated-at", "column", null, "poll: the column holding each row's last modification time (required for poll)."),
            opt("soft-delete", "column", null, "poll: a boolean column that is true once a row counts as deleted."),
            opt("overlap", "duration", "2s", "poll: how long a transaction may take to commit; rows are re-read for this long so late commits are not missed."),
            opt("delete-scan", "duration", null, "poll: how often to look for hard-deleted rows by checking every key twoway has seen."),
            opt("external-id", "column", null, "A text column where twoway stores its record id in rows it inserts (find-or-create after a crash)."),
            opt("archive-table", "name", "<table>_archive", "Where the `archive` delete policy copies rows before deleting them."),
            opt("page-size", "integer ≥ 1", "1000", "Rows per snapshot page, change batch and checksum range."),
            opt("filter", "expression", null, "Records for which this is false are not created in this table, e.g. `record.status == 'active'`."),
            opt("references", "section", null, "Foreign keys: `column: <sync>` — the column holds the key of a record of that sync, translated between systems."),
            opt("resource", "name", null, "rest: the resource, by its name under the system's `resources` (required for a rest system).")));

    public static final Section FIELD = new Section("syncs.<sync>.fields.<field>",
            "One canonical field. Besides the settings below, each key naming an endpoint's system gives that system's column: "
                    + "`email: { crm: email, erp: Email }`, or a section (see `syncs.<sync>.fields.<field>.<system>`).", List.of(
            opt("type", "string | integer | decimal | boolean | date | timestamp | json | bytes", "the first mapped column's",
                    "The canonical type; columns of other types are converted losslessly or the record is refused."),
            opt("match", "true | false", "false", "Use this field to recognise the same record in different systems."),
            opt("sensitive", "true | false", "false",
                    "Mask its values (`***`) wherever twoway shows them: the API, the web UI, webhooks and `twoway audit export` (the stored audit trail keeps them).")));

    public static final Section COLUMN = new Section("syncs.<sync>.fields.<field>.<system>",
            "How one system holds the field: a column name, or a section with `column` (and optional conversions), or a computed field with `from` and `to`.", List.of(
            opt("column", "name", null, "The column."),
            opt("values", "section", null, "One-to-one value map, canonical value → native value, e.g. `{ gold: 1, silver: 2 }`."),
            opt("fallback", "value", null, "Canonical value for native values missing from `values`."),
            opt("default", "value", null, "Used when the value is missing or null (both directions)."),
            opt("format", "date pattern", "ISO-8601", "Dates and timestamps stored as text: a java.time pattern such as `dd.MM.yyyy`."),
            opt("zone", "zone id", "UTC", "The zone of local date-times in this column."),
            opt("true", "text", "true", "Booleans stored as text: the spelling of true."),
            opt("false", "text", "false", "Booleans stored as text: the spelling of false."),
            opt("bytes", "base64 | hex | utf8", "base64", "Bytes stored as text: the encoding."),
            opt("from", "expression", null, "Computed field: the canonical value from the row, e.g. `row.first_name + ' ' + row.last_name`."),
            opt("to", "section", null, "Computed field: per column, its value from the record, e.g. `first_name: record.name.split(' ')[0]`.")));

    public static final Section CONFLICTS = new Section("syncs.<sync>.conflicts",
            "A policy is `last-write-wins`, `priority`, `manual`, `{ owner: <system> }`, `{ priority: [<system>, …] }` or `{ rule: <expression> }`.", List.of(
            opt("default", "policy", "last-write-wins", "The policy for fields without their own."),
            opt("fields", "section", null, "Per-field policies: `phone: manual`, `price: { owner: erp }`."),
            opt("priority", "list of systems", "endpoint order", "System order for `priority` and for last-write-wins ties."),
            opt("delete-vs-update", "delete-wins | update-wins | manual", "delete-wins", "A delete in one system meeting an update in another."),
            opt("skew-window", "duration", "1s", "Edits closer than this (plus measured clock uncertainty) are a last-write-wins tie, decided by priority and flagged.")));

    public static final Section DELETES = new Section("syncs.<sync>.deletes",
            "Either one word (`propagate`, `archive`, `confirm`, `ignore`) or a section for `soft`.", List.of(
            req("policy", "propagate | soft | archive | confirm | ignore", "What a delete does to the other systems."),
            opt("field", "field", null, "soft: the canonical field to set instead of deleting."),
            opt("value", "value", null, "soft: the value to set, e.g. `false`.")));

    public static final Section RULE = new Section("syncs.<sync>.validate[]", "A validation rule.", List.of(
            req("rule", "expression", "True for a valid record, e.g. `record.email.contains('@')`."),
            opt("message", "text", "the rule", "What the dead letter says when the rule fails.")));

    public static final List<Section> ALL = List.of(TOP, ENGINE, SERVER, TLS, JWT, NOTIFICATIONS, WEBHOOK, SYSTEM, REST_SYSTEM, REST_AUTH, RESOURCE, PAGING, REST_DELETES, REST_WEBHOOKS, SYNC, ENDPOINT, FIELD, COLUMN, CONFLICTS, DELETES, RULE);

    private ConfigReference() {
    }

    /** The reference as Markdown tables, one per section. */
    public static String markdown() {
        StringBuilder b = new StringBuilder();
        for (Section s : ALL) {
            b.append("### `").append(s.path()).append("`\n\n").append(s.description()).append("\n\n");
            b.append("| key | takes | default | what it does |\n|---|---|---|---|\n");
            for (Key k : s.keys()) {
                b.append("| `").append(k.name()).append("` | ").append(k.takes().replace("|", "\\|")).append(" | ")
                        .append(k.required() ? "**required**" : k.defaultValue() == null ? "—" : k.defaultValue().replace("|", "\\|"))
                        .append(" | ").append(k.description().replace("|", "\\|")).append(" |\n");
            }
            b.append('\n');
        }
        return b.toString();
    }
}
