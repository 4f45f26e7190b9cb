package cairn.server.console;

import cairn.server.http.ApiRoutes;
import cairn.server.identity.PermissionSet;
import cairn.server.identity.Principal;
import cairn.server.testing.MutableClock;
import cairn.server.testing.RunningCairn;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static cairn.server.console.ConsoleClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The console's HTTP side, driven as a browser drives it: sign-in, sessions, CSRF, lock-out, API, downloads. */
final class ConsoleApiTest {
    static final String PASSWORD = "correct horse battery staple";

    @TempDir
    Path data;
    MutableClock clock;
    RunningCairn cairn;
    ConsoleClient browser;

    @BeforeEach
    void start() throws IOException {
        clock = new MutableClock(Instant.now());
        cairn = RunningCairn.start(data, clock, Map.of("console.enabled", "true",
                "console.initial-password", PASSWORD, "delivery.create-buckets", "true"));
        browser = new ConsoleClient(cairn.console());
    }

    @AfterEach
    void stop() throws IOException {
        cairn.close();
    }

    /** The ConsoleLogin events in the history, newest first. */
    private List<JsonNode> consoleLogins() throws Exception {
        cairn.server().flushAudit();
        ArrayNode events = cairn.events("{\"LookupAttributes\":[{\"AttributeKey\":\"EventName\","
                + "\"AttributeValue\":\"ConsoleLogin\"}]}", "us-east-1");
        List<JsonNode> records = new ArrayList<>();
        for (JsonNode event : events) {
            records.add(ConsoleClient.JSON.readTree(event.get("CloudTrailEvent").asText()));
        }
        return records;
    }

    @Test
    void signIn_rightPassword_setsAStrictHttpOnlyCookieAndRecordsASuccessfulConsoleLogin() throws Exception {
        HttpResponse<String> response = browser.signIn("admin", PASSWORD);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Set-Cookie")).get().asString()
                .matches("cairn_session=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200");
        JsonNode session = json(response);
        assertThat(session.get("account").asText()).isEqualTo(cairn.accountId());
        assertThat(session.get("arn").asText()).isEqualTo("arn:aws:iam::" + cairn.accountId() + ":user/admin");
        assertThat(session.get("csrfToken").asText()).hasSize(43);
        assertThat(json(browser.get("/console/session")).get("user").asText()).isEqualTo("admin");

        JsonNode login = consoleLogins().getFirst();
        assertThat(login.get("eventSource").asText()).isEqualTo("signin.amazonaws.com");
        assertThat(login.get("eventName").asText()).isEqualTo("ConsoleLogin");
        assertThat(login.get("eventType").asText()).isEqualTo("AwsConsoleSignIn");
        assertThat(login.get("requestParameters").isNull()).isTrue();
        assertThat(login.get("responseElements").toString()).isEqualTo("{\"ConsoleLogin\":\"Success\"}");
        assertThat(login.get("additionalEventData").toString()).isEqualTo("{\"LoginTo\":\"" + cairn.console()
                + "\",\"MobileVersion\":\"No\",\"MFAUsed\":\"No\"}");
        assertThat(login.get("userIdentity").get("type").asText()).isEqualTo("IAMUser");
        assertThat(login.get("userIdentity").get("userName").asText()).isEqualTo("admin");
        assertThat(login.get("userIdentity").get("arn").asText()).isEqualTo(session.get("arn").asText());
        assertThat(login.get("recipientAccountId").asText()).isEqualTo(cairn.accountId());
        assertThat(login.has("errorMessage")).isFalse();
    }

    @Test
    void signIn_wrongPassword_refusedAndRecordsAFailedConsoleLogin() throws Exception {
        HttpResponse<String> response = browser.signIn("admin", "not the password at all");

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.body()).isEqualTo("{\"__type\":\"SignInFailed\",\"message\":\"The user name or password "
                + "is wrong.\"}");
        assertThat(response.headers().firstValue("Set-Cookie")).isEmpty();
        assertThat(browser.get("/console/session").statusCode()).isEqualTo(401);
        JsonNode login = consoleLogins().getFirst();
        assertThat(login.get("responseElements").toString()).isEqualTo("{\"ConsoleLogin\":\"Failure\"}");
        assertThat(login.get("errorMessage").asText()).isEqualTo("Failed authentication");
        assertThat(login.get("additionalEventData").get("MFAUsed").asText()).isEqualTo("No");
        assertThat(login.get("userIdentity").get("userName").asText()).isEqualTo("admin");
        assertThat(login.get("userIdentity").get("accessKeyId").asText()).isEmpty();
    }

    @Test
    void signIn_unknownUser_refusedLikeAWrongPasswordAndTheNameHidden() throws Exception {
        HttpResponse<String> response = browser.signIn("mallory", PASSWORD);

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(json(response).get("message").asText()).isEqualTo("The user name or password is wrong.");
        JsonNode login = consoleLogins().getFirst();
        assertThat(login.get("userIdentity").get("userName").asText()).isEqualTo("HIDDEN_DUE_TO_SECURITY_REASONS");
        assertThat(login.get("userIdentity").has("arn")).isFalse();
    }

    @Test
    void signIn_fiveFailuresInARow_lockTheNameForFifteenMinutes() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertThat(browser.signIn("admin", "wrong password " + i).statusCode()).isEqualTo(401);
        }

        HttpResponse<String> locked = browser.signIn("admin", PASSWORD);
        assertThat(locked.statusCode()).isEqualTo(429);
        assertThat(json(locked).get("__type").asText()).isEqualTo("SignInLocked");
        assertThat(json(locked).get("message").asText()).startsWith("Too many failed sign-ins for this user name: "
                + "try again after ");
        assertThat(consoleLogins().getFirst().get("errorMessage").asText()).isEqualTo("Failed authentication");
        assertThat(consoleLogins()).as("a refusal while locked is recorded once a minute").hasSize(6);
        assertThat(browser.signIn("admin", PASSWORD).statusCode()).isEqualTo(429);
        assertThat(consoleLogins()).hasSize(6);

        clock.advance(Duration.ofMinutes(14).minusSeconds(1));
        assertThat(browser.signIn("admin", PASSWORD).statusCode()).isEqualTo(429);
        clock.advance(Duration.ofMinutes(1).plusSeconds(1));
        assertThat(browser.signIn("admin", PASSWORD).statusCode()).isEqualTo(200);
        assertThat(consoleLogins()).hasSize(8);
    }

    @Test
    void signIn_aBrowserThatSignedInBefore_isNotLockedOutByFailuresFromOthers() throws Exception {
        HttpResponse<String> first = browser.signIn("admin", PASSWORD);
        String device = first.headers().allValues("Set-Cookie").stream()
                .filter(cookie -> cookie.startsWith(DeviceCookies.NAME + "=")).findFirst().orElseThrow();
        assertThat(device).contains("; Path=/console/; HttpOnly; SameSite=Strict; Max-Age=7776000");
        ConsoleClient stranger = new ConsoleClient(cairn.console());
        for (int i = 0; i < 5; i++) {
            assertThat(stranger.signIn("admin", "a guess " + i).statusCode()).isEqualTo(401);
        }
        assertThat(stranger.signIn("admin", PASSWORD).statusCode()).as("unknown browsers are locked out")
                .isEqualTo(429);

        assertThat(browser.signIn("admin", PASSWORD).statusCode()).as("the known browser gets in").isEqualTo(200);

        String value = device.substring(DeviceCookies.NAME.length() + 1, device.indexOf(';'));
        String forged = value.substring(0, value.length() - 2) + (value.endsWith("AA") ? "BB" : "AA");
        HttpResponse<String> withForged = stranger.send(java.net.http.HttpRequest.newBuilder(
                cairn.console().resolve("/console/signin")).header("Content-Type", "application/json")
                .header("Cookie", DeviceCookies.NAME + "=" + forged)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                        "{\"username\":\"admin\",\"password\":\"" + PASSWORD + "\"}")));
        assertThat(withForged.statusCode()).as("a forged device cookie is an unknown browser").isEqualTo(429);

        for (int i = 0; i < 5; i++) {
            assertThat(browser.signIn("admin", "a slip " + i).statusCode()).isEqualTo(401);
        }
        assertThat(browser.signIn("admin", PASSWORD).statusCode())
                .as("a known browser that failed five times is unknown again, and the name is locked").isEqualTo(429);
        clock.advance(SignInGuard.LOCK.plusSeconds(1));
        assertThat(browser.signIn("admin", PASSWORD).statusCode()).isEqualTo(200);
    }

    @Test
    void signIn_thirtyAttemptsAMinuteFromOneAddress_thenThrottled() throws Exception {
        for (int i = 0; i < SignInGuard.MAX_PER_ADDRESS; i++) {
            assertThat(browser.signIn("user-" + i, "a guess").statusCode()).isEqualTo(401);
        }

        HttpResponse<String> throttled = browser.signIn("admin", PASSWORD);
        assertThat(throttled.statusCode()).isEqualTo(429);
        assertThat(json(throttled).get("__type").asText()).isEqualTo("SignInThrottled");
        assertThat(json(throttled).get("message").asText())
                .startsWith("Too many sign-in attempts from this address: try again after ");
        assertThat(consoleLogins()).hasSize(SignInGuard.MAX_PER_ADDRESS + 1);
        clock.advance(Duration.ofMinutes(1));
        assertThat(browser.signIn("admin", PASSWORD).statusCode()).isEqualTo(200);
    }

    @Test
    void signIn_manyAttemptsAtOnce_onlyFiveArePasswordChecked() throws Exception {
        List<java.util.concurrent.CompletableFuture<Integer>> attempts = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            String guess = "parallel guess " + i;
            attempts.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return new ConsoleClient(cairn.console()).signIn("admin", guess).statusCode();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()));
        }
        List<Integer> statuses = attempts.stream().map(java.util.concurrent.CompletableFuture::join).toList();

        assertThat(statuses.stream().filter(status -> status == 401)).hasSize(5);
        assertThat(statuses.stream().filter(status -> status == 429)).hasSize(11);
        assertThat(browser.signIn("admin", PASSWORD).statusCode()).isEqualTo(429);
    }

    @Test
    void signIn_fromAnotherSiteOrNotJson_refused() throws Exception {
        HttpResponse<String> crossSite = browser.send(java.net.http.HttpRequest.newBuilder(
                cairn.console().resolve("/console/signin")).header("Content-Type", "application/json")
                .header("Origin", "http://evil.example").POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                        "{\"username\":\"admin\",\"password\":\"" + PASSWORD + "\"}")));
        assertThat(crossSite.statusCode()).isEqualTo(403);
        assertThat(json(crossSite).get("message").asText()).isEqualTo("The console takes changes only from its own "
                + "pages (Origin: http://evil.example).");
        HttpResponse<String> form = browser.send(java.net.http.HttpRequest.newBuilder(
                cairn.console().resolve("/console/signin")).header("Content-Type", "text/plain")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"username\":\"admin\",\"password\":\""
                        + PASSWORD + "\",\"x\":\"=\"}")));
        assertThat(form.statusCode()).isEqualTo(415);

        browser.signIn("admin", PASSWORD);
        HttpResponse<String> fetched = browser.send(java.net.http.HttpRequest.newBuilder(
                cairn.console().resolve("/console/api")).header("X-Amz-Target", ApiRoutes.TARGET_PREFIX
                + "CreateTrail").header("X-Cairn-CSRF", json(browser.get("/console/session")).get("csrfToken")
                .asText()).header("Sec-Fetch-Site", "cross-site").POST(java.net.http.HttpRequest.BodyPublishers
                .ofString("{\"Name\":\"forged\",\"S3BucketName\":\"forged-bucket\"}")));
        assertThat(fetched.statusCode()).isEqualTo(403);
        assertThat(cairn.cloudTrail("ListTrails", "{}", "us-east-1").body()).isEqualTo("{\"Trails\":[]}");
    }

    @Test
    void signIn_userDeletedAndMadeAgain_doesNotInheritThePassword() throws Exception {
        cairn.newUser(cairn.accountId(), "bob", PermissionSet.AUDITOR);
        Principal first = cairn.server().directory().state().principal(cairn.accountId(), Principal.Type.USER,
                "bob").orElseThrow();
        new ConsolePasswords(data.resolve("console"), clock).set(first, "bob's old password");
        assertThat(browser.signIn("bob", "bob's old password").statusCode()).isEqualTo(200);
        cairn.server().directory().state().keysOf(cairn.accountId(), Principal.Type.USER, "bob")
                .forEach(key -> cairn.server().directory().deleteAccessKey(key.id()));
        cairn.server().directory().deletePrincipal(cairn.accountId(), Principal.Type.USER, "bob");
        assertThat(browser.get("/console/session").statusCode()).as("the deleted user's session ends")
                .isEqualTo(401);

        cairn.server().directory().createPrincipal(cairn.accountId(), Principal.Type.USER, "bob",
                PermissionSet.ADMINISTRATOR, List.of());
        assertThat(new ConsoleClient(cairn.console()).signIn("bob", "bob's old password").statusCode())
                .isEqualTo(401);
    }

    @Test
    void signIn_malformedRequests_refusedWithTheReason() throws Exception {
        assertThat(browser.post("/console/signin", "{\"username\":\"admin\"}", java.util.Optional.empty(),
                java.util.Optional.empty()).body()).isEqualTo("{\"__type\":\"ValidationException\",\"message\":"
                + "\"The sign-in request lacks its password.\"}");
        assertThat(browser.post("/console/signin", "not json", java.util.Optional.empty(),
                java.util.Optional.empty()).statusCode()).isEqualTo(400);
        assertThat(json(browser.post("/console/signin", "{\"account\":\"12\",\"username\":\"admin\","
                + "\"password\":\"x\"}", java.util.Optional.empty(), java.util.Optional.empty())).get("message")
                .asText()).isEqualTo("An account ID is 12 digits.");
    }

    @Test
    void api_stateChangingCallWithoutTheCsrfToken_refusedAndNothingChanges() throws Exception {
        browser.signIn("admin", PASSWORD);

        HttpResponse<String> refused = browser.apiWithoutToken("CreateTrail",
                "{\"Name\":\"sneaky\",\"S3BucketName\":\"sneaky-bucket\"}");
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).isEqualTo("{\"__type\":\"InvalidCsrfToken\",\"message\":\"The request lacks the "
                + "session's CSRF token (header X-Cairn-CSRF).\"}");
        HttpResponse<String> forged = browser.post("/console/api", "{\"Name\":\"sneaky\",\"S3BucketName\":\"b\"}",
                java.util.Optional.of(ApiRoutes.TARGET_PREFIX + "CreateTrail"),
                java.util.Optional.of("forged"));
        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(json(forged).get("message").asText()).isEqualTo("The request's CSRF token is not the session's.");
        assertThat(browser.postWithToken("/console/signout", "").statusCode()).isEqualTo(204);
        assertThat(json(browser.api("ListTrails", "{}")).get("__type").asText()).isEqualTo("NotSignedIn");
        assertThat(cairn.cloudTrail("ListTrails", "{}", "us-east-1").body()).isEqualTo("{\"Trails\":[]}");
    }

    @Test
    void api_callsRunAsTheUserAndAreRecordedAsConsoleCalls() throws Exception {
        browser.signIn("admin", PASSWORD);

        HttpResponse<String> created = browser.api("CreateTrail", "{\"Name\":\"console-trail\","
                + "\"S3BucketName\":\"console-bucket\"}");
        assertThat(created.statusCode()).isEqualTo(200);
        assertThat(json(created).get("TrailARN").asText()).isEqualTo("arn:aws:cloudtrail:us-east-1:"
                + cairn.accountId() + ":trail/console-trail");
        HttpResponse<String> invalid = browser.api("CreateTrail", "{\"Name\":\"x\",\"S3BucketName\":\"b\"}");
        HttpResponse<String> sameFromApi = cairn.cloudTrail("CreateTrail", "{\"Name\":\"x\",\"S3BucketName\":\"b\"}",
                "us-east-1");
        assertThat(invalid.statusCode()).isEqualTo(sameFromApi.statusCode());
        assertThat(invalid.body()).isEqualTo(sameFromApi.body());

        cairn.server().flushAudit();
        JsonNode event = lastEvent("CreateTrail");
        assertThat(event.get("userIdentity").get("userName").asText()).isEqualTo("admin");
        assertThat(event.get("userIdentity").get("accessKeyId").asText()).startsWith("ASIA");
        assertThat(event.get("sessionCredentialFromConsole").asText()).isEqualTo("true");
        assertThat(event.get("userIdentity").get("sessionContext").toString()).matches("\\{\"sessionIssuer\":\\{},"
                + "\"webIdFederationData\":\\{},\"attributes\":\\{\"creationDate\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:"
                + "\\d\\d:\\d\\dZ\",\"mfaAuthenticated\":\"false\"}}");
        assertThat(event.get("userAgent").asText()).startsWith("Java-http-client");
    }

    private JsonNode lastEvent(String name) throws Exception {
        HttpResponse<String> response = cairn.cloudTrail("LookupEvents", "{\"LookupAttributes\":[{\"AttributeKey\":"
                + "\"EventName\",\"AttributeValue\":\"" + name + "\"}],\"MaxResults\":50}", "us-east-1");
        JsonNode events = json(response).get("Events");
        JsonNode last = events.get(events.size() - 1);
        return ConsoleClient.JSON.readTree(last.get("CloudTrailEvent").asText());
    }

    @Test
    void api_lookupEvents_takesSeveralAttributesAtOnce() throws Exception {
        browser.signIn("admin", PASSWORD);
        browser.api("ListTrails", "{}");
        browser.api("DescribeTrails", "{}");
        cairn.server().flushAudit();

        HttpResponse<String> response = browser.api("LookupEvents", "{\"LookupAttributes\":["
                + "{\"AttributeKey\":\"EventName\",\"AttributeValue\":\"ListTrails\"},"
                + "{\"AttributeKey\":\"Username\",\"AttributeValue\":\"admin\"}]}");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode events = json(response).get("Events");
        assertThat(events).hasSize(1);
        assertThat(events.get(0).get("EventName").asText()).isEqualTo("ListTrails");

        String nine = String.join(",", java.util.Collections.nCopies(9,
                "{\"AttributeKey\":\"Username\",\"AttributeValue\":\"admin\"}"));
        HttpResponse<String> tooMany = browser.api("LookupEvents", "{\"LookupAttributes\":[" + nine + "]}");
        assertThat(tooMany.statusCode()).isEqualTo(400);
        assertThat(json(tooMany).get("__type").asText()).isEqualTo("InvalidLookupAttributesException");
        assertThat(json(tooMany).get("message").asText())
                .isEqualTo("LookupAttributes may hold at most 8 attributes; 9 were given.");
    }

    @Test
    void api_regionNotServed_refused() throws Exception {
        browser.signIn("admin", PASSWORD);
        String token = json(browser.get("/console/session")).get("csrfToken").asText();

        HttpResponse<String> response = browser.send(java.net.http.HttpRequest.newBuilder(
                cairn.console().resolve("/console/api")).header("X-Amz-Target", ApiRoutes.TARGET_PREFIX
                + "ListTrails").header("X-Cairn-CSRF", token).header("X-Cairn-Region", "not-a-region")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).isEqualTo("{\"__type\":\"ValidationException\",\"message\":\"This Cairn does "
                + "not serve the region not-a-region.\"}");
        assertThat(browser.get("/console/download?format=csv&region=not-a-region").statusCode()).isEqualTo(400);
    }

    @Test
    void api_readOnlyUser_mayLookButNotChange() throws Exception {
        cairn.newUser(cairn.accountId(), "auditor", PermissionSet.AUDITOR);
        new ConsolePasswords(data.resolve("console"), clock).set(cairn.server().directory().state()
                .principal(cairn.accountId(), Principal.Type.USER, "auditor").orElseThrow(), "auditor password 1");
        browser.signIn("auditor", "auditor password 1");

        assertThat(browser.api("ListTrails", "{}").statusCode()).isEqualTo(200);
        HttpResponse<String> denied = browser.api("CreateTrail", "{\"Name\":\"t\",\"S3BucketName\":\"b\"}");
        assertThat(denied.statusCode()).isEqualTo(400);
        assertThat(json(denied).get("message").asText()).isEqualTo("User: arn:aws:iam::" + cairn.accountId()
                + ":user/auditor is not authorized to perform: cloudtrail:CreateTrail because its permission set, "
                + "auditor, does not allow it.");
    }

    @Test
    void session_idleForAnHour_ends() throws Exception {
        browser.signIn("admin", PASSWORD);
        clock.advance(Duration.ofMinutes(59));
        assertThat(browser.get("/console/session").statusCode()).isEqualTo(200);
        clock.advance(Duration.ofMinutes(59));
        assertThat(browser.get("/console/session").statusCode()).isEqualTo(200);
        clock.advance(Duration.ofMinutes(61));
        assertThat(browser.get("/console/session").statusCode()).isEqualTo(401);
    }

    @Test
    void password_changed_oldOneNoLongerWorks() throws Exception {
        browser.signIn("admin", PASSWORD);
        ConsoleClient secondSession = new ConsoleClient(cairn.console());
        secondSession.signIn("admin", PASSWORD);
        assertThat(browser.postWithToken("/console/password", "{\"currentPassword\":\"wrong one, surely\","
                + "\"newPassword\":\"a brand new password\"}").body()).isEqualTo("{\"__type\":\"InvalidPassword\","
                + "\"message\":\"The current password is wrong.\"}");
        assertThat(json(browser.postWithToken("/console/password", "{\"currentPassword\":\"" + PASSWORD
                + "\",\"newPassword\":\"short\"}")).get("message").asText())
                .isEqualTo("The new password must be at least 12 characters long.");
        assertThat(browser.post("/console/password", "{\"currentPassword\":\"" + PASSWORD + "\",\"newPassword\":"
                + "\"a brand new password\"}", java.util.Optional.empty(), java.util.Optional.empty()).statusCode())
                .isEqualTo(403);

        assertThat(browser.postWithToken("/console/password", "{\"currentPassword\":\"" + PASSWORD
                + "\",\"newPassword\":\"a brand new password\"}").statusCode()).isEqualTo(204);

        ConsoleClient other = new ConsoleClient(cairn.console());
        assertThat(other.signIn("admin", PASSWORD).statusCode()).isEqualTo(401);
        assertThat(secondSession.get("/console/session").statusCode()).as("other sessions end").isEqualTo(401);
        assertThat(browser.get("/console/session").statusCode()).isEqualTo(200);
        assertThat(other.signIn("admin", "a brand new password").statusCode()).isEqualTo(200);
        cairn.server().flushAudit();
        JsonNode change = lastEvent("ChangePassword");
        assertThat(change.get("eventSource").asText()).isEqualTo("iam.amazonaws.com");
        assertThat(change.get("sessionCredentialFromConsole").asText()).isEqualTo("true");
        assertThat(Files.readString(data.resolve("console/passwords.json")))
                .contains("pbkdf2-sha256$600000$").doesNotContain("a brand new password");
    }

    @Test
    void password_setWithTheCommandWhileSignedIn_endsTheSessionsOfTheOldOne() throws Exception {
        browser.signIn("admin", PASSWORD);
        ConsoleClient bobsBrowser = new ConsoleClient(cairn.console());
        cairn.newUser(cairn.accountId(), "bob", PermissionSet.AUDITOR);
        ConsolePasswords file = new ConsolePasswords(data.resolve("console"), clock);
        Principal bob = cairn.server().directory().state().principal(cairn.accountId(), Principal.Type.USER, "bob")
                .orElseThrow();
        file.set(bob, "bob's own password");
        assertThat(bobsBrowser.signIn("bob", "bob's own password").statusCode()).isEqualTo(200);
        var live = browser.stream("/console/live", java.util.Optional.empty());

        // As `cairn console password --user admin` does, from another process: the file is written anew.
        file.set(cairn.server().directory().state().principal(cairn.accountId(), Principal.Type.USER, "admin")
                .orElseThrow(), "set by the command line");

        assertThat(browser.get("/console/session").statusCode()).as("signed in with the old password")
                .isEqualTo(401);
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThat(
                live.body().iterator()).toIterable().as("the live stream ends too").hasSizeLessThan(10));
        assertThat(bobsBrowser.get("/console/session").statusCode()).as("another user's session lives on")
                .isEqualTo(200);
        assertThat(browser.signIn("admin", "set by the command line").statusCode()).isEqualTo(200);
        assertThat(browser.get("/console/session").statusCode()).isEqualTo(200);
    }

    @Test
    void validate_badTimesOrTooLongARange_refusedWithTheReason() throws Exception {
        browser.signIn("admin", PASSWORD);
        String arn = json(browser.api("CreateTrail", "{\"Name\":\"checked\",\"S3BucketName\":\"bucket-checked\","
                + "\"EnableLogFileValidation\":true}")).get("TrailARN").asText();
        long now = clock.instant().getEpochSecond();

        for (String start : List.of("1e300", "1.5", "\"yesterday\"", "-1", "null")) {
            HttpResponse<String> refused = browser.postWithToken("/console/validate", "{\"TrailARN\":\"" + arn
                    + "\",\"StartTime\":" + start + "}");
            assertThat(refused.statusCode()).as(start).isEqualTo(400);
            assertThat(json(refused).get("message").asText()).isEqualTo("StartTime (whole epoch seconds) is needed.");
        }
        HttpResponse<String> badEnd = browser.postWithToken("/console/validate", "{\"TrailARN\":\"" + arn
                + "\",\"StartTime\":" + now + ",\"EndTime\":99999999999999}");
        assertThat(json(badEnd).get("message").asText()).isEqualTo("EndTime must be whole epoch seconds.");
        HttpResponse<String> tooLong = browser.postWithToken("/console/validate", "{\"TrailARN\":\"" + arn
                + "\",\"StartTime\":" + (now - 32 * 86_400) + "}");
        assertThat(tooLong.statusCode()).isEqualTo(400);
        assertThat(json(tooLong).get("__type").asText()).isEqualTo("InvalidTimeRangeException");
        assertThat(json(tooLong).get("message").asText()).startsWith("The console validates at most 31 days at a time");
        HttpResponse<String> valid = browser.postWithToken("/console/validate", "{\"TrailARN\":\"" + arn
                + "\",\"StartTime\":" + (now - 3600) + "}");
        assertThat(valid.statusCode()).as(valid.body()).isEqualTo(200);
        assertThat(json(valid).get("output").asText()).contains("Validating log files for trail " + arn);
    }

    @Test
    void download_csvAndJson_holdExactlyTheMatchingEvents() throws Exception {
        browser.signIn("admin", PASSWORD);
        browser.api("CreateTrail", "{\"Name\":\"one\",\"S3BucketName\":\"bucket-one\"}");
        browser.api("CreateTrail", "{\"Name\":\"two\",\"S3BucketName\":\"bucket-two\"}");
        browser.api("ListTrails", "{}");
        cairn.server().flushAudit();

        HttpResponse<String> csv = browser.get("/console/download?format=csv&attr=EventName:CreateTrail"
                + "&attr=Username:admin");
        assertThat(csv.statusCode()).isEqualTo(200);
        assertThat(csv.headers().firstValue("Content-Type")).contains("text/csv; charset=utf-8");
        assertThat(csv.headers().firstValue("Content-Disposition").orElseThrow())
                .matches("attachment; filename=\"cairn-events-us-east-1-\\d{8}T\\d{6}Z\\.csv\"");
        String[] lines = csv.body().split("\r\n");
        assertThat(lines[0]).isEqualTo("Event ID,Event time,User name,Event name,Event source,Resource type,"
                + "Resource name,AWS access key,AWS region,Error code,Source IP address,Read-only");
        assertThat(lines).hasSize(3);
        assertThat(lines[1]).contains(",admin,CreateTrail,cloudtrail.amazonaws.com,").endsWith(",us-east-1,,"
                + "127.0.0.1,false");

        HttpResponse<String> download = browser.get("/console/download?format=json&attr=EventName:CreateTrail");
        JsonNode records = json(download).get("Records");
        assertThat(records).hasSize(2);
        assertThat(records.get(0).get("requestParameters").get("name").asText()).isEqualTo("two");
        assertThat(records.get(1).get("requestParameters").get("name").asText()).isEqualTo("one");

        HttpResponse<String> bad = browser.get("/console/download?format=csv&attr=Colour:blue");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(json(bad).get("__type").asText()).isEqualTo("InvalidLookupAttributesException");
        assertThat(json(browser.get("/console/download?format=xml")).get("message").asText())
                .isEqualTo("format is json or csv, not xml.");
    }

    @Test
    void download_storeFailsMidway_theDownloadIsCutOffNotEndedAsWhole() throws Exception {
        browser.signIn("admin", PASSWORD);
        for (int batch = 0; batch < 8; batch++) {
            String[] ids = new String[500];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = "bulk-" + batch + "-" + i;
            }
            ingest(ids);
        }
        assertThat(browser.get("/console/download?format=csv").body().split("\r\n")).hasSizeGreaterThan(4000);
        java.nio.file.Path log;
        try (var files = java.nio.file.Files.walk(data)) {
            log = files.filter(file -> file.toString().endsWith(".log")).max(java.util.Comparator.comparingLong(
                    file -> file.toFile().length())).orElseThrow();
        }
        // A byte flipped a third of the way in: newest first, more than the 64 KB buffer is out before it is read.
        try (var channel = java.nio.channels.FileChannel.open(log, java.nio.file.StandardOpenOption.READ,
                java.nio.file.StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
            long at = channel.size() / 3;
            channel.read(one, at);
            channel.write(java.nio.ByteBuffer.wrap(new byte[] {(byte) (one.get(0) ^ 0x5A)}), at);
        }

        for (String format : List.of("csv", "json")) {
            assertThatThrownBy(() -> browser.get("/console/download?format=" + format))
                    .as("a " + format + " download that fails midway must not look whole")
                    .isInstanceOf(IOException.class);
        }

        // The newest record broken: the download fails before anything is sent, and says so.
        try (var channel = java.nio.channels.FileChannel.open(log, java.nio.file.StandardOpenOption.READ,
                java.nio.file.StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
            long at = channel.size() - 40;
            channel.read(one, at);
            channel.write(java.nio.ByteBuffer.wrap(new byte[] {(byte) (one.get(0) ^ 0x5A)}), at);
        }
        HttpResponse<String> failed = browser.get("/console/download?format=csv");
        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(failed.headers().firstValue("Content-Disposition")).isEmpty();
        assertThat(json(failed).get("__type").asText()).isEqualTo("InternalFailure");
    }

    @Test
    void download_twoAUserFourInAll_cutOffWhenTheSessionEndsOrTheReaderStalls() throws Exception {
        String admin = sessionCookie(browser.signIn("admin", PASSWORD));
        ConsoleClient bobsBrowser = signedInUser("bob");
        String bob = sessionCookie(bobsBrowser.signIn("bob", "bob's password here"));
        ConsoleClient carolsBrowser = signedInUser("carol");
        for (int batch = 0; batch < 40; batch++) {
            String[] ids = new String[500];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = "many-" + batch + "-" + i;
            }
            ingest(1_000, ids);
        }
        List<java.net.Socket> admins = List.of(stalledDownload(admin), stalledDownload(admin));
        HttpResponse<String> third = browser.get("/console/download?format=csv");
        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(json(third).get("message").asText())
                .isEqualTo("A user may run 2 downloads at once; try again when one ends.");
        List<java.net.Socket> bobs = List.of(stalledDownload(bob), stalledDownload(bob));
        HttpResponse<String> fifth = carolsBrowser.get("/console/download?format=csv");
        assertThat(fifth.statusCode()).isEqualTo(503);
        assertThat(json(fifth).get("message").asText()).isEqualTo("4 downloads are running; try again when one ends.");

        // The readers read nothing: once their writes have waited past the deadline, the connections are cut (the
        // watch looks every second), and the places are given back.
        awaitWritesWaiting(4);
        // A write may have begun just before: the clock moves on until every one has waited past the deadline.
        for (int round = 0; round < 10 && cairn.server().consoleWritesWaiting() > 0; round++) {
            clock.advance(ConsoleRoutes.WRITE_DEADLINE.plusSeconds(1));
            for (int tries = 0; cairn.server().consoleWritesWaiting() > 0 && tries < 60; tries++) {
                Thread.sleep(50);
            }
        }
        assertThat(cairn.server().consoleWritesWaiting()).as("downloads waiting on their readers").isZero();
        for (java.net.Socket socket : List.of(admins.get(0), admins.get(1), bobs.get(0), bobs.get(1))) {
            assertThat(rest(socket)).as("cut off, not ended as whole").doesNotEndWith("\r\n0\r\n\r\n");
        }
        HttpResponse<String> after = carolsBrowser.get("/console/download?format=csv");
        for (int tries = 0; after.statusCode() == 503 && tries < 100; tries++) {
            Thread.sleep(100); // the cut-off threads give their places back as they unwind
            after = carolsBrowser.get("/console/download?format=csv");
        }
        assertThat(after.statusCode()).isEqualTo(200);
        assertThat(after.body().split("\r\n")).as("whole").hasSizeGreaterThan(20_000);

        // A download whose session ends stops within 10,000 events.
        java.net.Socket last = stalledDownload(admin);
        assertThat(browser.postWithToken("/console/signout", "").statusCode()).isEqualTo(204);
        String rest = rest(last);
        assertThat(rest).as("cut off, not ended as whole").doesNotEndWith("\r\n0\r\n\r\n");
        assertThat(rest.split("\"eventID\"").length).as("cut within 10,000 events after the sign-out")
                .isLessThan(20_000);
    }

    private ConsoleClient signedInUser(String name) throws Exception {
        cairn.newUser(cairn.accountId(), name, PermissionSet.AUDITOR);
        new ConsolePasswords(data.resolve("console"), clock).set(cairn.server().directory().state()
                .principal(cairn.accountId(), Principal.Type.USER, name).orElseThrow(), name + "'s password here");
        ConsoleClient client = new ConsoleClient(cairn.console());
        assertThat(client.signIn(name, name + "'s password here").statusCode()).isEqualTo(200);
        return client;
    }

    private static String sessionCookie(HttpResponse<String> signIn) {
        String cookie = signIn.headers().allValues("Set-Cookie").stream()
                .filter(value -> value.startsWith(ConsoleRoutes.COOKIE + "=")).findFirst().orElseThrow();
        return cookie.substring(0, cookie.indexOf(';'));
    }

    /**
     * A JSON download (25 MB, far more than the sockets' buffers) to a reader with a 4 KB window that reads nothing
     * past the status line yet: the server waits on it.
     */
    private java.net.Socket stalledDownload(String cookie) throws IOException {
        java.net.Socket socket = new java.net.Socket();
        socket.setReceiveBufferSize(4096);
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", cairn.console().getPort()));
        socket.setSoTimeout(30_000);
        socket.getOutputStream().write(("GET /console/download?format=json HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Cookie: " + cookie + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        byte[] status = socket.getInputStream().readNBytes(12);
        assertThat(new String(status, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
        return socket;
    }

    private void awaitWritesWaiting(int count) throws InterruptedException {
        for (int tries = 0; cairn.server().consoleWritesWaiting() != count && tries < 300; tries++) {
            Thread.sleep(50);
        }
        assertThat(cairn.server().consoleWritesWaiting()).as("downloads waiting on their readers").isEqualTo(count);
    }

    /** What is left to read on a socket until the server ends it (a reset ends it too). */
    private static String rest(java.net.Socket socket) throws IOException {
        java.io.ByteArrayOutputStream read = new java.io.ByteArrayOutputStream();
        try (socket) {
            socket.getInputStream().transferTo(read);
        } catch (java.net.SocketException e) {
            read.write(("\n[" + e.getMessage() + "]").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return read.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    private void ingest(String... ids) throws Exception {
        ingest(0, ids);
    }

    /** Ingests events of these IDs ({@code id@secondsAgo} for an older one), each padded with that many bytes. */
    private void ingest(int padding, String... ids) throws Exception {
        String pad = padding == 0 ? "" : ",\"requestParameters\":{\"pad\":\"" + "x".repeat(padding) + "\"}";
        StringBuilder body = new StringBuilder("{\"Records\":[");
        for (int i = 0; i < ids.length; i++) {
            String[] idAndAge = ids[i].split("@");
            Instant time = clock.instant().minusSeconds(idAndAge.length > 1 ? Long.parseLong(idAndAge[1]) : 0);
            body.append(i > 0 ? "," : "").append("{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":"
                    + "\"IAMUser\",\"userName\":\"carol\"},\"eventTime\":\"").append(time).append("\","
                    + "\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"GetObject\",\"awsRegion\":"
                    + "\"us-east-1\",\"eventID\":\"").append(idAndAge[0]).append("\",\"readOnly\":true").append(pad)
                    .append("}");
        }
        HttpResponse<String> response = cairn.postRecords(body.append("]}").toString()
                .getBytes(java.nio.charset.StandardCharsets.UTF_8), "us-east-1");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        cairn.server().flushAudit();
    }

    /** Reads a live stream until a message holds {@code eventId}; returns that message's id line. */
    private static String awaitLive(java.util.Iterator<String> lines, String eventId) {
        String id = null;
        while (lines.hasNext()) {
            String line = lines.next();
            if (line.startsWith("id: ")) {
                id = line.substring(4);
            } else if (line.startsWith("data: ") && line.contains("\"EventId\":\"" + eventId + "\"")) {
                return id;
            }
        }
        throw new AssertionError("the stream ended before " + eventId);
    }

    @Test
    void live_sendsNewEvents_andResumesFromTheLastEventId() throws Exception {
        browser.signIn("admin", PASSWORD);
        HttpResponse<java.util.stream.Stream<String>> first = browser.stream("/console/live?attr=Username:carol",
                java.util.Optional.empty());
        assertThat(first.headers().firstValue("Content-Type")).contains("text/event-stream; charset=utf-8");
        java.util.Iterator<String> lines = first.body().iterator();
        ingest("live-1");
        String lastId = java.util.concurrent.CompletableFuture.supplyAsync(() -> awaitLive(lines, "live-1"))
                .get(20, java.util.concurrent.TimeUnit.SECONDS);
        first.body().close();

        ingest("while-away");
        HttpResponse<java.util.stream.Stream<String>> again = browser.stream("/console/live?attr=Username:carol",
                java.util.Optional.of(lastId));
        java.util.Iterator<String> resumed = again.body().iterator();
        java.util.concurrent.CompletableFuture.supplyAsync(() -> awaitLive(resumed, "while-away"))
                .get(20, java.util.concurrent.TimeUnit.SECONDS);
        again.body().close();
    }

    @Test
    void live_aSessionMayHoldFourStreams() throws Exception {
        browser.signIn("admin", PASSWORD);
        List<HttpResponse<java.util.stream.Stream<String>>> open = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            open.add(browser.stream("/console/live", java.util.Optional.empty()));
            assertThat(open.getLast().statusCode()).isEqualTo(200);
        }

        HttpResponse<java.util.stream.Stream<String>> fifth = browser.stream("/console/live", java.util.Optional.empty());
        assertThat(fifth.statusCode()).isEqualTo(429);
        assertThat(fifth.body().collect(java.util.stream.Collectors.joining())).isEqualTo("{\"__type\":"
                + "\"TooManyStreams\",\"message\":\"A session may hold 4 live streams at once; close one first.\"}");
        open.forEach(stream -> stream.body().close());
    }

    @Test
    void stats_countTheAccountsEventsPerMinute() throws Exception {
        browser.signIn("admin", PASSWORD);
        long now = clock.instant().getEpochSecond();
        long minute = now - Math.floorMod(now, 60);
        ingest("old-1@" + (now - minute + 120), "old-2@" + (now - minute + 100));

        JsonNode stats = json(browser.get("/console/stats?minutes=5"));

        assertThat(stats.get("minutes")).hasSize(6);
        assertThat(stats.get("minutes").get(5).get("start").asLong()).isEqualTo(minute);
        assertThat(stats.get("minutes").get(3).get("start").asLong()).isEqualTo(minute - 120);
        assertThat(stats.get("minutes").get(3).get("count").asLong()).isEqualTo(2);
        assertThat(stats.get("minutes").get(5).get("count").asLong()).as("the sign-in and the ingest call")
                .isGreaterThanOrEqualTo(2);
        assertThat(stats.get("capped").asBoolean()).isFalse();

        ingest("new-1@1");
        assertThat(json(browser.get("/console/stats?minutes=5"))).as("answered again for 5 s, to every tab")
                .isEqualTo(stats);
        clock.advance(Duration.ofSeconds(5));
        JsonNode later = json(browser.get("/console/stats?minutes=5")).get("minutes");
        assertThat(later.findValues("count").stream().mapToLong(JsonNode::asLong).sum()).as("counted anew")
                .isGreaterThan(stats.get("minutes").findValues("count").stream().mapToLong(JsonNode::asLong).sum());
        assertThat(json(browser.get("/console/stats?minutes=0")).get("message").asText())
                .isEqualTo("minutes is 1 to 180.");
    }

    @Test
    void hostHeader_otherThanALoopbackName_refused() throws Exception {
        for (String host : List.of("attacker.example", "attacker.example:" + cairn.console().getPort(),
                "127.0.0.1.attacker.example", "10.0.0.1")) {
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", cairn.console().getPort())) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write(("GET /console/session HTTP/1.1\r\nHost: " + host
                        + "\r\nConnection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                java.io.BufferedReader reader = new java.io.BufferedReader(new java.io.InputStreamReader(
                        socket.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
                assertThat(reader.readLine()).as(host).startsWith("HTTP/1.1 403");
                int length = 0;
                for (String line = reader.readLine(); !line.isEmpty(); line = reader.readLine()) {
                    if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                        length = Integer.parseInt(line.substring(15).strip());
                    }
                }
                char[] body = new char[length];
                assertThat(reader.read(body)).isEqualTo(length);
                assertThat(new String(body)).as(host).contains("\"__type\":\"ForeignHost\"");
            }
        }
        for (String authority : List.of("localhost:8746", "127.0.0.1", "127.1.2.3:80", "[::1]:8746", "LOCALHOST",
                "app.localhost:1")) {
            assertThat(ConsoleRoutes.isLocalName(authority)).as(authority).isTrue();
        }
        for (String authority : List.of("127.0.0.1.nip.io", "localhost.attacker.example", "[::2]", "128.0.0.1",
                "127.0.0.256", "")) {
            assertThat(ConsoleRoutes.isLocalName(authority)).as(authority).isFalse();
        }
        assertThat(browser.get("/console/session").statusCode()).as("the console's own name").isEqualTo(401);
    }

    @Test
    void pages_areServedWithAStrictContentSecurityPolicy() throws Exception {
        HttpResponse<String> index = browser.get("/");
        assertThat(index.statusCode()).isEqualTo(200);
        assertThat(index.headers().firstValue("Content-Type")).contains("text/html; charset=utf-8");
        assertThat(index.headers().firstValue("Content-Security-Policy")).contains(ConsoleRoutes.POLICY);
        assertThat(index.headers().firstValue("X-Frame-Options")).contains("DENY");
        assertThat(index.body()).doesNotContain("http://", "https://", "<script>", "style=\"");
        assertThat(browser.get("/app.js").headers().firstValue("Content-Type"))
                .contains("text/javascript; charset=utf-8");
        assertThat(browser.get("/../pom.xml").statusCode()).isEqualTo(404);
        assertThat(browser.get("/no-such-file.js").statusCode()).isEqualTo(404);
        assertThat(browser.get("/console/nothing").statusCode()).isEqualTo(404);
    }
}
