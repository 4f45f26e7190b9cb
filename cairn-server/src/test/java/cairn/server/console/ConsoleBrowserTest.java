package cairn.server.console;

import cairn.server.testing.Chromium;
import cairn.server.testing.MutableClock;
import cairn.server.testing.RunningCairn;
import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.Download;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.WaitForSelectorState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console in a real browser: the machine's Chromium driven by Playwright against a Cairn started in-process.
 * Every page is photographed into {@code target/console-screenshots/} to look at.
 */
final class ConsoleBrowserTest {
    static final String PASSWORD = "correct horse battery staple";
    static final String REGION = "us-east-1";
    static final Path SCREENSHOTS = Path.of("target", "console-screenshots");
    static final DateTimeFormatter LOCAL_INPUT = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm");

    static Chromium chromium;

    @TempDir
    Path data;
    MutableClock clock;
    RunningCairn cairn;
    BrowserContext context;
    Page page;
    /** What the page reported as wrong: script errors and CSP refusals (HTTP error statuses are expected). */
    List<String> pageErrors = java.util.Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void launch() throws Exception {
        Files.createDirectories(SCREENSHOTS);
        chromium = Chromium.launch();
    }

    @AfterAll
    static void quit() {
        chromium.close();
    }

    @BeforeEach
    void start() throws Exception {
        clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
        cairn = RunningCairn.start(data, clock, Map.of("console.enabled", "true", "console.initial-password",
                PASSWORD, "delivery.create-buckets", "true", "history.multi-attribute-lookups", "true", "delivery.digest-period", "5m",
                "server.regions", REGION));
        context = chromium.browser().newContext(new Browser.NewContextOptions().setViewportSize(1366, 860)
                .setAcceptDownloads(true));
        page = context.newPage();
        page.setDefaultTimeout(15_000);
        page.onPageError(pageErrors::add);
        page.onConsoleMessage(message -> {
            if (message.type().equals("error") && !message.text().startsWith("Failed to load resource")) {
                pageErrors.add(message.text());
            }
        });
    }

    @AfterEach
    void stop() throws Exception {
        context.close();
        cairn.close();
        assertThat(pageErrors).as("script errors and Content-Security-Policy refusals").isEmpty();
    }

    private void shoot(String name) {
        page.screenshot(new Page.ScreenshotOptions().setPath(SCREENSHOTS.resolve(name + ".png")).setFullPage(true));
    }

    private void signIn(String password) {
        page.navigate(cairn.console().toString());
        page.locator("#signin-form").waitFor();
        page.fill("#signin-username", "admin");
        page.fill("#signin-password", password);
        page.click("#signin-submit");
    }

    /** Puts records into Cairn as a client of the native endpoint would. */
    private void ingest(List<String> records) throws Exception {
        String body = "{\"Records\":[" + String.join(",", records) + "]}";
        HttpResponse<String> response = cairn.postRecords(body.getBytes(StandardCharsets.UTF_8), REGION);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        cairn.server().flushAudit();
    }

    private static String record(String id, Instant time, String name, String user) {
        return "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"IAMUser\",\"userName\":\"" + user + "\","
                + "\"accessKeyId\":\"AKIA" + user.toUpperCase() + "\"},\"eventTime\":\"" + time + "\","
                + "\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"" + name + "\",\"awsRegion\":\"" + REGION
                + "\",\"sourceIPAddress\":\"198.51.100.7\",\"eventID\":\"" + id + "\",\"readOnly\":"
                + name.startsWith("Get") + ",\"eventType\":\"AwsApiCall\",\"resources\":[{\"type\":"
                + "\"AWS::S3::Object\",\"ARN\":\"arn:aws:s3:::photos/" + id + ".jpg\"}],\"requestParameters\":"
                + "{\"bucketName\":\"photos\",\"key\":\"" + id + ".jpg\"}}";
    }

    /** The event IDs a LookupEvents call over SigV4 finds, every page. */
    private List<String> lookup(String attributes, Instant start, Instant end) throws Exception {
        List<String> ids = new ArrayList<>();
        String token = null;
        do {
            String body = "{\"LookupAttributes\":" + attributes + ",\"StartTime\":" + start.getEpochSecond()
                    + ",\"EndTime\":" + end.getEpochSecond() + (token == null ? "" : ",\"NextToken\":\"" + token
                    + "\"") + "}";
            JsonNode page = ConsoleClient.json(cairn.cloudTrail("LookupEvents", body, REGION));
            page.get("Events").forEach(event -> ids.add(event.get("EventId").asText()));
            token = page.has("NextToken") ? page.get("NextToken").asText() : null;
        } while (token != null);
        return ids;
    }

    private List<String> shownEventIds() {
        page.locator("#events-table[data-state=ready]").waitFor();
        return page.locator("#events-table tbody tr.event-row").all().stream()
                .map(row -> row.getAttribute("data-event-id")).toList();
    }

    private void filter(int row, String key, String value) {
        Locator rows = page.locator("#filters .filter-row");
        while (rows.count() <= row) {
            page.click("#add-filter");
        }
        rows.nth(row).locator("select.filter-key").selectOption(key);
        rows.nth(row).locator("input.filter-value").fill(value);
    }

    @Test
    void signIn_dashboard_historyFilteredByTwoAttributesAndATimeRange_detail_downloads() throws Exception {
        Instant base = clock.instant().minus(Duration.ofHours(4));
        List<String> records = new ArrayList<>();
        for (int i = 0; i < 48; i++) {
            String name = i % 3 == 0 ? "PutObject" : "GetObject";
            String user = i % 2 == 0 ? "alice" : "bob";
            records.add(record("seed-" + i, base.plus(Duration.ofMinutes(5L * i)), name, user));
        }
        ingest(records);

        signIn(PASSWORD);
        page.locator("#dashboard").waitFor();
        page.locator("#recent-events tbody tr").first().waitFor();
        page.locator("#events-per-minute").waitFor();
        assertThat(page.locator("#nav").textContent()).contains("Dashboard", "Event history", "Trails", "Account");
        shoot("01-dashboard");

        page.navigate(cairn.console() + "#/history");
        page.locator("#events-table[data-state=ready]").waitFor();
        filter(0, "EventName", "GetObject");
        filter(1, "Username", "alice");
        page.selectOption("#time-range", "absolute");
        Instant from = base.plus(Duration.ofMinutes(60));
        Instant to = base.plus(Duration.ofMinutes(180));
        page.fill("#time-start", LocalDateTime.ofInstant(from, ZoneOffset.UTC).format(LOCAL_INPUT));
        page.fill("#time-end", LocalDateTime.ofInstant(to, ZoneOffset.UTC).format(LOCAL_INPUT));
        page.click("#apply-filter");
        page.waitForFunction("() => window.cairnHistoryRender && document.querySelector('#events-table')"
                + ".dataset.state === 'ready' && location.hash.includes('Username')");

        List<String> shown = shownEventIds();
        List<String> expected = lookup("[{\"AttributeKey\":\"EventName\",\"AttributeValue\":\"GetObject\"},"
                + "{\"AttributeKey\":\"Username\",\"AttributeValue\":\"alice\"}]", from, to.plusSeconds(59));
        assertThat(shown).isNotEmpty().containsExactlyElementsOf(expected);
        for (String id : shown) {
            int i = Integer.parseInt(id.substring("seed-".length()));
            assertThat(i % 3 != 0 && i % 2 == 0).as(id).isTrue();
        }
        shoot("02-history-filtered");

        page.click("#events-table tr[data-event-id='" + shown.getFirst() + "']");
        Locator json = page.locator("#event-json");
        json.waitFor();
        assertThat(json.textContent()).contains("\"eventID\": \"" + shown.getFirst() + "\"")
                .contains("\n  \"userIdentity\": {\n    \"type\": \"IAMUser\"");
        assertThat(page.locator("#event-detail a.resource-link").first().textContent())
                .isEqualTo("arn:aws:s3:::photos/" + shown.getFirst() + ".jpg");
        shoot("03-history-event-detail");
        page.keyboard().press("Escape");
        page.locator("#event-detail").waitFor(new Locator.WaitForOptions().setState(WaitForSelectorState.HIDDEN));

        Download csv = page.waitForDownload(() -> page.click("#download-csv"));
        List<String> lines = Files.readAllLines(csv.path(), StandardCharsets.UTF_8);
        assertThat(lines.getFirst()).isEqualTo(String.join(",", EventExport.CSV_COLUMNS));
        assertThat(lines.stream().skip(1).map(line -> line.substring(0, line.indexOf(',')))).containsExactlyElementsOf(
                expected);
        assertThat(lines.get(1)).contains(",alice,GetObject,s3.amazonaws.com,AWS::S3::Object,arn:aws:s3:::photos/");
        Download json2 = page.waitForDownload(() -> page.click("#download-json"));
        JsonNode downloaded = ConsoleClient.JSON.readTree(json2.path().toFile());
        List<String> ids = new ArrayList<>();
        downloaded.get("Records").forEach(record -> ids.add(record.get("eventID").asText()));
        assertThat(ids).containsExactlyElementsOf(expected);
        assertThat(json2.suggestedFilename()).matches("cairn-events-us-east-1-\\d{8}T\\d{6}Z\\.json");
    }

    @Test
    void createTrailWithAnAdvancedSelector_deliversALogFile_stopLogging_andTheCallsAreInTheHistory()
            throws Exception {
        signIn(PASSWORD);
        page.locator("#dashboard").waitFor();
        page.navigate(cairn.console() + "#/trails");
        page.locator("#trails-table").waitFor();
        page.click("#create-trail-button");
        page.locator("#create-trail-form").waitFor();

        // A name CloudTrail refuses: the console shows the API's own message.
        page.fill("#trail-name", "x!");
        page.fill("#trail-bucket", "console-logs");
        page.click("#create-trail-submit");
        String apiMessage = ConsoleClient.json(cairn.cloudTrail("CreateTrail",
                "{\"Name\":\"x!\",\"S3BucketName\":\"console-logs\"}", REGION)).get("message").asText();
        page.waitForFunction("m => document.querySelector('#create-trail-error').textContent.includes(m)",
                apiMessage);
        shoot("04-trail-create-error");

        page.fill("#trail-name", "console-trail");
        page.check("#trail-validation");
        page.selectOption("#selector-mode", "advanced");
        page.fill("#advanced-selectors-json", "[{\"Name\":\"Writes to photos\",\"FieldSelectors\":["
                + "{\"Field\":\"eventCategory\",\"Equals\":[\"Management\"]},"
                + "{\"Field\":\"readOnly\",\"Equals\":[\"false\"]}]}]");
        page.locator("#advanced-selectors-json").dispatchEvent("change");
        shoot("05-trail-create-form");
        page.click("#create-trail-submit");
        page.locator("#trail-detail").waitFor();
        page.waitForFunction("() => /yes|true|on/i.test(document.querySelector("
                + "\"#trail-status dd[data-field=IsLogging]\").textContent)");

        JsonNode selectors = ConsoleClient.json(cairn.cloudTrail("GetEventSelectors",
                "{\"TrailName\":\"console-trail\"}", REGION));
        assertThat(selectors.get("AdvancedEventSelectors").get(0).get("Name").asText()).isEqualTo("Writes to photos");

        ingest(List.of(record("write-1", clock.instant(), "PutObject", "alice"),
                record("read-1", clock.instant(), "GetObject", "alice")));
        // A pass reads the events into the trail's batch; once the interval has passed, the next writes it.
        cairn.server().delivery().runOnce();
        clock.advance(Duration.ofMinutes(2));
        cairn.server().delivery().runOnce();
        List<Path> logFiles = files("console-logs", "/CloudTrail/");
        assertThat(logFiles).isNotEmpty();
        String delivered = new String(new java.util.zip.GZIPInputStream(Files.newInputStream(logFiles.getFirst()))
                .readAllBytes(), StandardCharsets.UTF_8);
        assertThat(delivered).contains("write-1").doesNotContain("read-1");

        page.click("#refresh-status");
        page.waitForFunction("() => document.querySelector(\"#trail-status dd[data-field=LatestDeliveryTime]\")"
                + ".textContent.trim().length > 1");
        shoot("06-trail-detail-delivered");

        // The digest chain: a digest at the next period's end, shown, then the range validated in the server.
        cairn.server().flushAudit();
        cairn.server().delivery().runOnce();
        clock.advance(Duration.ofMinutes(6));
        cairn.server().delivery().runOnce();
        assertThat(files("console-logs", "/CloudTrail-Digest/")).isNotEmpty();
        page.click("#refresh-status");
        page.locator("#digest-table tbody tr").first().waitFor();
        page.fill("#validate-start", LocalDateTime.ofInstant(clock.instant().minus(Duration.ofHours(1)),
                ZoneOffset.UTC).format(LOCAL_INPUT));
        page.fill("#validate-end", LocalDateTime.ofInstant(clock.instant().plus(Duration.ofMinutes(1)),
                ZoneOffset.UTC).format(LOCAL_INPUT));
        page.click("#validate-submit");
        page.waitForFunction("() => document.querySelector('#validate-exit').textContent.trim().length > 0");
        assertThat(page.locator("#validate-exit").textContent().trim()).isEqualTo("valid");
        assertThat(page.locator("#validate-output").textContent()).contains("Validating log files for trail "
                + "arn:aws:cloudtrail:us-east-1:" + cairn.accountId() + ":trail/console-trail").contains(
                "digest files valid").doesNotContain("INVALID");
        shoot("06b-trail-detail-chain-validated");

        page.click("#stop-logging");
        page.waitForFunction("() => /no|false|off/i.test(document.querySelector("
                + "\"#trail-status dd[data-field=IsLogging]\").textContent)");
        JsonNode status = ConsoleClient.json(cairn.cloudTrail("GetTrailStatus", "{\"Name\":\"console-trail\"}",
                REGION));
        assertThat(status.get("IsLogging").asBoolean()).isFalse();
        shoot("07-trail-detail-stopped");

        page.navigate(cairn.console() + "#/trails");
        page.locator("#trails-table tr[data-trail='console-trail']").waitFor();
        shoot("08-trails");

        cairn.server().flushAudit();
        for (String name : List.of("ConsoleLogin", "CreateTrail", "PutEventSelectors", "StartLogging",
                "StopLogging")) {
            page.navigate(cairn.console() + "#/history?attr=EventName:" + name);
            page.waitForFunction("n => document.querySelector('#events-table')?.dataset.state === 'ready'"
                    + " && location.hash.includes(n)", name);
            List<String> shown = shownEventIds();
            assertThat(shown).as(name).isNotEmpty();
            assertThat(shown).as(name).containsExactlyElementsOf(lookup("[{\"AttributeKey\":\"EventName\","
                    + "\"AttributeValue\":\"" + name + "\"}]", Instant.EPOCH, clock.instant().plusSeconds(60)));
        }
        shoot("09-history-trail-calls");
    }

    @Test
    void editBasicSelectors_thenDeleteTheTrail_fromItsPage() throws Exception {
        assertThat(cairn.cloudTrail("CreateTrail", "{\"Name\":\"edited\",\"S3BucketName\":\"edited-logs\"}",
                REGION).statusCode()).isEqualTo(200);
        signIn(PASSWORD);
        page.locator("#dashboard").waitFor();
        page.navigate(cairn.console() + "#/trails/edited");
        page.locator("#trail-detail #save-selectors").waitFor();

        page.selectOption("#selector-mode", "basic");
        Locator selector = page.locator(".basic-editor fieldset.selector").first();
        selector.waitFor();
        selector.locator("select.rw-type").selectOption("WriteOnly");
        selector.locator("input.add-data-resource, button.add-data-resource").first().click();
        selector.locator("input.dr-type").first().fill("AWS::S3::Object");
        selector.locator("input.dr-values").first().fill("arn:aws:s3:::photos/");
        page.click("#save-selectors");
        page.waitForFunction("() => document.querySelector('#selectors-saved').textContent.trim().length > 0");
        JsonNode selectors = ConsoleClient.json(cairn.cloudTrail("GetEventSelectors", "{\"TrailName\":\"edited\"}",
                REGION)).get("EventSelectors").get(0);
        assertThat(selectors.get("ReadWriteType").asText()).isEqualTo("WriteOnly");
        assertThat(selectors.get("DataResources").get(0).get("Type").asText()).isEqualTo("AWS::S3::Object");
        assertThat(selectors.get("DataResources").get(0).get("Values").get(0).asText())
                .isEqualTo("arn:aws:s3:::photos/");
        shoot("14-trail-basic-selectors");

        page.click("#delete-trail");
        page.locator("#confirm-delete").waitFor();
        shoot("15-trail-delete-dialog");
        page.click("#confirm-delete-yes");
        page.locator("#trails-table").waitFor();
        page.waitForFunction("() => !document.querySelector(\"#trails-table tr[data-trail='edited']\")");
        assertThat(cairn.cloudTrail("ListTrails", "{}", REGION).body()).isEqualTo("{\"Trails\":[]}");
    }

    private List<Path> files(String bucket, String containing) throws Exception {
        Path folder = data.resolve("buckets").resolve(bucket);
        try (Stream<Path> paths = Files.walk(folder)) {
            return paths.filter(Files::isRegularFile).filter(path -> path.toString().contains(containing))
                    .sorted().toList();
        }
    }

    @Test
    void wrongPassword_showsAnError_andRecordsAFailedConsoleLogin() throws Exception {
        signIn("not the password");
        Locator error = page.locator("#signin-error");
        page.waitForFunction("() => document.querySelector('#signin-error').textContent.trim().length > 0");
        assertThat(error.textContent()).contains("The user name or password is wrong.");
        shoot("00-signin-failed");

        cairn.server().flushAudit();
        JsonNode events = ConsoleClient.json(cairn.cloudTrail("LookupEvents", "{\"LookupAttributes\":[{"
                + "\"AttributeKey\":\"EventName\",\"AttributeValue\":\"ConsoleLogin\"}]}", REGION)).get("Events");
        assertThat(events).hasSize(1);
        JsonNode login = ConsoleClient.JSON.readTree(events.get(0).get("CloudTrailEvent").asText());
        assertThat(login.get("responseElements").get("ConsoleLogin").asText()).isEqualTo("Failure");
        assertThat(login.get("additionalEventData").get("MFAUsed").asText()).isEqualTo("No");
        assertThat(login.get("userAgent").asText()).contains("Chrome");
    }

    @Test
    void stateChangingCallWithoutTheCsrfToken_isRefused_fromThePageItself() throws Exception {
        signIn(PASSWORD);
        page.locator("#dashboard").waitFor();

        Object status = page.evaluate("() => fetch('/console/api', {method: 'POST', headers: {'X-Amz-Target': "
                + "'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.CreateTrail'}, body: JSON.stringify("
                + "{Name: 'forged', S3BucketName: 'forged-bucket'})}).then(r => r.status)");
        assertThat(status).isEqualTo(403);
        assertThat(cairn.cloudTrail("ListTrails", "{}", REGION).body()).isEqualTo("{\"Trails\":[]}");
    }

    @Test
    void liveMode_showsEventsAsTheyArrive_andTheAccountPageAndAPhoneScreen() throws Exception {
        signIn(PASSWORD);
        page.locator("#dashboard").waitFor();
        page.navigate(cairn.console() + "#/history");
        page.locator("#events-table[data-state=ready]").waitFor();
        // Without live mode, the page looks for newer events and offers them, keeping the rows shown in place.
        ingest(List.of(record("newer-1", clock.instant(), "PutObject", "carol")));
        page.locator("#new-events").waitFor();
        page.click("#new-events");
        page.locator("#events-table tr[data-event-id='newer-1']").waitFor();

        page.check("#live-toggle");
        // The stream is open once the server has answered: what is stored from then on is sent.
        page.waitForFunction("() => document.querySelector('.live-state').textContent === 'Live'");
        ingest(List.of(record("live-1", clock.instant(), "DeleteObject", "carol")));
        page.locator("#events-table tr[data-event-id='live-1']").waitFor();
        shoot("10-history-live");
        page.uncheck("#live-toggle");

        page.navigate(cairn.console() + "#/account");
        page.locator("#password-form").waitFor();
        shoot("11-account");

        page.setViewportSize(390, 844);
        page.navigate(cairn.console() + "#/history");
        page.locator("#events-table[data-state=ready]").waitFor();
        shoot("12-history-phone");
        page.navigate(cairn.console() + "#/dashboard");
        page.locator("#dashboard").waitFor();
        shoot("13-dashboard-phone");
    }

    @Test
    void keyboard_signInAndOpenAnEvent_withoutAMouse() throws Exception {
        ingest(List.of(record("key-1", clock.instant(), "GetObject", "dave")));
        page.navigate(cairn.console().toString());
        page.locator("#signin-form").waitFor();
        page.focus("#signin-username");
        page.keyboard().type("admin");
        page.keyboard().press("Tab");
        page.keyboard().type(PASSWORD);
        page.keyboard().press("Enter");
        page.locator("#dashboard").waitFor();

        page.navigate(cairn.console() + "#/history?attr=EventName:GetObject");
        page.locator("#events-table[data-state=ready] tr[data-event-id='key-1']").waitFor();
        page.focus("#events-table tr[data-event-id='key-1']");
        page.keyboard().press("Enter");
        page.locator("#event-json").waitFor();
        assertThat(page.locator("#event-json").textContent()).contains("\"eventID\": \"key-1\"");
        Set<String> focusable = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            page.keyboard().press("Tab");
            focusable.add(String.valueOf(page.evaluate("() => document.activeElement.tagName")));
        }
        assertThat(focusable).doesNotContain("BODY");
    }
}
