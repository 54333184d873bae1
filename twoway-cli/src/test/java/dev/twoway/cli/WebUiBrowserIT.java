package dev.twoway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.options.Cookie;
import dev.twoway.jdbc.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.twoway.cli.CliEndToEndIT.await;
import static dev.twoway.cli.CliEndToEndIT.count;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The web UI in a real browser (headless Debian Chromium driven by Playwright) against {@code twoway run} syncing a real
 * PostgreSQL and a real MariaDB database: log in with a key made by the CLI, see the conflict that edits in both
 * databases made, decide it field by field, and find the chosen values in both databases and the decision in the
 * audit trail under the user's name. A POST without the CSRF token is refused. Screenshots of each main page go to
 * {@code target/screenshots}.
 */
class WebUiBrowserIT {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path SCREENSHOTS = TwowayJar.JAR.getParent().resolve("screenshots");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void anOperatorResolvesARealConflictPerFieldInTheBrowserAndBothDatabasesGetTheChosenValues() throws Exception {
        if (!Files.isExecutable(CHROMIUM)) {
            throw new AssertionError(CHROMIUM + " is missing: install it with apt-get install -y chromium (.ci/run does)");
        }
        Files.createDirectories(SCREENSHOTS);
        try (TestDatabase pg = TestDatabase.create(TestDatabase.Kind.POSTGRES); TestDatabase my = TestDatabase.create(TestDatabase.Kind.MARIADB)) {
            pg.exec("CREATE TABLE customer (customer_id serial PRIMARY KEY, full_name varchar(100) NOT NULL, email varchar(100) NOT NULL UNIQUE, phone varchar(30))",
                    "INSERT INTO customer (full_name, email, phone) VALUES ('Ada Lovelace', 'ada@example.com', '+44 1'), ('Alan Turing', 'alan@example.com', '+44 2')");
            my.exec("CREATE TABLE Customer (CustomerId INT AUTO_INCREMENT PRIMARY KEY, FullName VARCHAR(16) NOT NULL, Email VARCHAR(100) NOT NULL UNIQUE,"
                            + " Phone VARCHAR(30))",
                    "INSERT INTO Customer (CustomerId, FullName, Email, Phone) VALUES (500, 'Ada Lovelace', 'ada@example.com', '+44 1'),"
                            + " (501, 'Edsger Dijkstra', 'edsger@example.com', '+31 4')");
            Files.writeString(dir.resolve("twoway.yaml"), """
                    systems:
                      crm: { connector: postgres, url: "%s", user: postgres }
                      erp: { connector: mariadb, url: "%s", user: root }
                    server:
                      listen: "127.0.0.1:0"
                    syncs:
                      customers:
                        endpoints:
                          crm: { table: customer }
                          erp: { table: Customer }
                        fields:
                          name: { crm: full_name, erp: FullName }
                          email: { crm: email, erp: Email, match: true }
                          phone: { crm: phone, erp: Phone }
                        conflicts: { fields: { phone: manual, name: manual } }
                    """.formatted(pg.url, my.url));
            TwowayJar.Result created = TwowayJar.run(dir, "keys", "create", "--name", "alice", "--role", "operator");
            assertThat(created.exit()).as(created.all()).isZero();
            String alice = created.out().strip();

            Path log = dir.resolve("run.log");
            Process run = TwowayJar.start(dir, log, "run");
            try {
                await("the API to listen", () -> port(log) > 0, log);
                String base = "http://127.0.0.1:" + port(log);
                await("initial sync", () -> count(my, "SELECT count(*) FROM Customer") == 3, log);
                // Both sides edit Ada's phone and name: two fields under the manual policy wait for a person.
                pg.exec("UPDATE customer SET phone = '+44 crm', full_name = 'Ada King' WHERE email = 'ada@example.com'");
                my.exec("UPDATE Customer SET Phone = '+44 erp', FullName = 'Ada Byron' WHERE Email = 'ada@example.com'");
                // And one write erp refuses (its FullName holds 16 characters): a dead letter.
                pg.exec("UPDATE customer SET full_name = 'Alan Mathison Turing' WHERE email = 'alan@example.com'");
                await("two conflicts and a dead letter", () -> api(base, "/api/v1/conflicts", alice).size() == 2
                        && api(base, "/api/v1/deadletters", alice).size() == 1, log);

                try (Playwright pw = Playwright.create(new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
                     Browser browser = pw.chromium().launch(new BrowserType.LaunchOptions().setExecutablePath(CHROMIUM).setHeadless(true)
                             .setArgs(List.of("--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                                     "--disable-component-update", "--disable-sync")))) {
                    BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 800));
                    Page page = context.newPage();
                    page.setDefaultTimeout(15_000);

                    page.navigate(base + "/");
                    assertThat(page.url()).endsWith("/ui/login");
                    page.locator("#key").fill("tw_00000000_wrong");
                    page.locator("button[type=submit]").click();
                    assertThat(page.locator(".flash.error").textContent()).contains("unknown or revoked");
                    page.locator("#key").fill(alice);
                    page.locator("button[type=submit]").click();
                    page.waitForURL(base + "/ui/");
                    Locator card = page.locator("section.card[data-sync=customers]");
                    assertThat(card.textContent()).contains("customers").containsPattern("[1-9]\\d* in the last hour");
                    assertThat(card.locator("svg.spark polyline").first().getAttribute("points")).isNotEmpty();
                    assertThat(page.locator(".who .user").textContent()).isEqualTo("alice");
                    shot(page, "dashboard");

                    page.locator("nav a[href='/ui/conflicts']").click();
                    page.waitForURL(base + "/ui/conflicts");
                    assertThat(page.locator("table.conflicts tbody tr").count()).isEqualTo(2);
                    assertThat(page.locator("table.conflicts").textContent()).contains("+44 crm").contains("+44 erp").contains("Ada King").contains("Ada Byron");
                    shot(page, "conflicts");

                    page.keyboard().press("Enter"); // the first row is current: Enter opens it
                    page.waitForURL(Pattern.compile(".*/ui/conflicts/\\d+"));
                    Locator rows = page.locator("table.diff tr.conflict");
                    assertThat(rows.count()).as("both fields of the record in conflict on one page").isEqualTo(2);
                    // Keyboard: 1 picks the first system's value in the current field and moves on.
                    page.keyboard().press("1");
                    assertThat(rows.nth(0).locator("input[type=radio]:checked").count()).isEqualTo(1);
                    // Per field: phone from erp, name from crm.
                    rowOf(page, "phone").locator("input[type=radio][value=erp]").check();
                    rowOf(page, "name").locator("input[type=radio][value=crm]").check();
                    page.locator("#comment").fill("called the customer");
                    shot(page, "conflict-detail");
                    String recordHref = page.locator(".page-head a.mono").getAttribute("href");
                    page.locator("#comment").press("Enter");
                    page.waitForURL(Pattern.compile(".*/ui/conflicts\\?notice=.*"));
                    assertThat(page.locator(".flash.ok").textContent()).contains("resolved").contains("+44 erp").contains("Ada King");
                    assertThat(page.locator("table.conflicts").count()).isZero();

                    await("the chosen values in both databases", () ->
                            count(pg, "SELECT count(*) FROM customer WHERE email = 'ada@example.com' AND phone = '+44 erp' AND full_name = 'Ada King'") == 1
                                    && count(my, "SELECT count(*) FROM Customer WHERE Email = 'ada@example.com' AND Phone = '+44 erp' AND FullName = 'Ada King'") == 1, log);

                    page.navigate(base + recordHref);
                    await("the record page to show the decision", () -> {
                        page.reload();
                        return page.locator("ol.timeline").textContent().contains("conflict-decided");
                    }, log);
                    assertThat(page.locator("ol.timeline").textContent()).contains("user:alice").contains("called the customer");
                    assertThat(page.locator("table.kv").first().textContent()).contains("+44 erp").contains("Ada King");
                    shot(page, "record-history");

                    page.navigate(base + "/ui/deadletters");
                    assertThat(page.locator("table.list").textContent()).contains("customers → erp").contains("the column holds 16");
                    shot(page, "dead-letters");

                    page.navigate(base + "/ui/audit");
                    page.locator("#verify-button").click();
                    assertThat(page.locator("#chain-result").textContent()).contains("Chain intact");
                    shot(page, "audit");
                    page.navigate(base + "/ui/audit?actor=user:alice&action=conflict-decided");
                    assertThat(page.locator("table.audit tbody tr").count()).isEqualTo(2);

                    // The browser's session cookie without the CSRF token: refused, nothing paused.
                    Cookie session = context.cookies().stream().filter(c -> c.name.equals("twoway_session")).findFirst().orElseThrow();
                    assertThat(session.httpOnly).isTrue();
                    assertThat(session.path).isEqualTo("/ui");
                    HttpResponse<String> forged = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/ui/syncs/customers/pause"))
                            .header("Cookie", "twoway_session=" + session.value).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
                    assertThat(forged.statusCode()).isEqualTo(403);
                    assertThat(api(base, "/api/v1/syncs", alice).path("syncs").get(0).path("paused").isNull()).isTrue();
                    context.close();
                }

                JsonNode audit = api(base, "/api/v1/audit?limit=1000", alice);
                long decided = 0;
                for (JsonNode e : audit) {
                    if (e.path("action").asText().equals("conflict-decided")) {
                        assertThat(e.path("actor").asText()).isEqualTo("user:alice");
                        assertThat(e.path("detail").toString()).contains("called the customer");
                        decided++;
                    }
                }
                assertThat(decided).isEqualTo(2);
                assertThat(Files.readString(log)).doesNotContain(alice);
            } finally {
                run.destroy();
            }
            assertThat(run.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
        for (String name : List.of("dashboard", "conflicts", "conflict-detail", "record-history", "dead-letters", "audit")) {
            assertThat(SCREENSHOTS.resolve(name + ".png")).isNotEmptyFile();
        }
    }

    private static Locator rowOf(Page page, String field) {
        return page.locator("table.diff tr.conflict").filter(new Locator.FilterOptions().setHas(page.locator("th[scope=row]", new Page.LocatorOptions().setHasText(field))));
    }

    private static void shot(Page page, String name) {
        page.screenshot(new Page.ScreenshotOptions().setPath(SCREENSHOTS.resolve(name + ".png")).setFullPage(true));
    }

    private static int port(Path log) {
        try {
            Matcher m = Pattern.compile("API at http://127\\.0\\.0\\.1:(\\d+)/api/v1").matcher(Files.readString(log));
            return m.find() ? Integer.parseInt(m.group(1)) : 0;
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    private static JsonNode api(String base, String path, String key) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + key).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) throw new AssertionError("GET " + path + ": " + r.statusCode() + " " + r.body());
            return JSON.readTree(r.body());
        } catch (java.io.IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
