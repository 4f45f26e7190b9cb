package cairn.server.auth;

import cairn.server.http.ApiRoutes;
import cairn.server.identity.Directory;
import cairn.server.identity.PermissionSet;
import cairn.server.identity.Principal;
import cairn.server.testing.AwsCli;
import cairn.server.testing.MutableClock;
import cairn.server.testing.RunningCairn;
import cairn.server.testing.TestSigning;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;
import software.amazon.awssdk.services.cloudtrail.CloudTrailClient;
import software.amazon.awssdk.services.cloudtrail.model.CloudTrailException;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * SigV4 at the edge, with real clients: the AWS SDK for Java v2 and the AWS CLI succeed with a valid key and get
 * AWS's error codes for a wrong secret, an unknown key, a request 16 minutes old, a tampered body, and a signature
 * for another region or service; temporary credentials need their session token and expire. No message gives a
 * secret away.
 */
final class AuthenticationTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String REGION = "us-east-1";
    private static final String LOOKUP = "{\"MaxResults\":1}";

    @TempDir
    static Path data;

    // The CLI signs with the real time, so the server's clock starts at it.
    private static final MutableClock CLOCK = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    private static RunningCairn cairn;

    @BeforeAll
    static void start() throws Exception {
        cairn = RunningCairn.start(data, CLOCK, Map.of("server.regions", "us-east-1,eu-west-1"));
    }

    @AfterAll
    static void stop() throws Exception {
        cairn.close();
    }

    private static CloudTrailClient sdk(AwsCredentialsIdentity credentials, String region, Clock signingClock) {
        return TestSigning.configure(CloudTrailClient.builder(), cairn.endpoint(), region, credentials, signingClock)
                .build();
    }

    private static void assertSdkError(ThrowingCallable call, String code, String messageStart) {
        assertThatThrownBy(call).isInstanceOfSatisfying(CloudTrailException.class, e -> {
            assertThat(e.awsErrorDetails().errorCode()).isEqualTo(code);
            assertThat(e.awsErrorDetails().errorMessage()).startsWith(messageStart)
                    .doesNotContain(cairn.admin().secretAccessKey());
            assertThat(e.statusCode()).isEqualTo(code.equals("MissingAuthenticationTokenException") ? 403 : 400);
        });
    }

    private static void assertCliError(AwsCli.Result result, String code) {
        assertThat(result.exitCode()).as(result.stdout()).isNotZero();
        assertThat(result.stderr()).contains("(" + code + ")").contains("LookupEvents")
                .doesNotContain(cairn.admin().secretAccessKey());
    }

    private static AwsCredentialsIdentity wrongSecret() {
        return AwsCredentialsIdentity.create(cairn.admin().accessKeyId(), "x" + cairn.admin().secretAccessKey());
    }

    private static AwsCredentialsIdentity unknownKey() {
        return AwsCredentialsIdentity.create("AKIAUNKNOWNUNKNOWN00", cairn.admin().secretAccessKey());
    }

    @Test
    void sdkAndCli_validKey_succeed() throws Exception {
        try (CloudTrailClient client = sdk(cairn.admin(), REGION, CLOCK)) {
            assertThat(client.lookupEvents(request -> request.maxResults(1)).sdkHttpResponse().statusCode())
                    .isEqualTo(200);
        }
        AwsCli.Result cli = cairn.cli(REGION, "cloudtrail", "lookup-events", "--max-results", "1");
        assertThat(cli.exitCode()).as(cli.stderr()).isZero();
        assertThat(MAPPER.readTree(cli.stdout()).has("Events")).isTrue();
    }

    @Test
    void sdkAndCli_wrongSecret_getInvalidSignature() throws Exception {
        try (CloudTrailClient client = sdk(wrongSecret(), REGION, CLOCK)) {
            assertSdkError(client::lookupEvents, "InvalidSignatureException",
                    "The request signature we calculated does not match the signature you provided.");
        }
        assertCliError(cairn.cli(REGION, wrongSecret(), "cloudtrail", "lookup-events"), "InvalidSignatureException");
    }

    @Test
    void sdkAndCli_unknownKey_getUnrecognizedClient() throws Exception {
        try (CloudTrailClient client = sdk(unknownKey(), REGION, CLOCK)) {
            assertSdkError(client::lookupEvents, "UnrecognizedClientException",
                    "The security token included in the request is invalid.");
        }
        assertCliError(cairn.cli(REGION, unknownKey(), "cloudtrail", "lookup-events"), "UnrecognizedClientException");
    }

    @Test
    void sdkAndCli_requestSixteenMinutesOld_hasExpired() throws Exception {
        try (CloudTrailClient client = sdk(cairn.admin(), REGION, Clock.offset(CLOCK, Duration.ofMinutes(-16)))) {
            assertSdkError(client::lookupEvents, "InvalidSignatureException", "Signature expired: ");
        }
        Instant now = CLOCK.instant();
        CLOCK.advance(Duration.ofMinutes(16));
        try {
            assertCliError(cairn.cli(REGION, "cloudtrail", "lookup-events"), "InvalidSignatureException");
        } finally {
            CLOCK.set(now);
        }
    }

    @Test
    void sdk_requestFourteenMinutesOld_isStillAccepted() {
        try (CloudTrailClient client = sdk(cairn.admin(), REGION, Clock.offset(CLOCK, Duration.ofMinutes(-14)))) {
            assertThat(client.lookupEvents().sdkHttpResponse().isSuccessful()).isTrue();
        }
    }

    @Test
    void post_bodyChangedAfterSigning_isInvalidSignature() throws Exception {
        byte[] signedBody = LOOKUP.getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder request = TestSigning.post(cairn.endpoint(), "application/x-amz-json-1.1",
                Optional.of(ApiRoutes.TARGET_PREFIX + "LookupEvents"), signedBody, "cloudtrail", REGION,
                cairn.admin(), CLOCK, Optional.empty());
        HttpResponse<String> signedAsSent = cairn.send(TestSigning.post(cairn.endpoint(),
                "application/x-amz-json-1.1", Optional.of(ApiRoutes.TARGET_PREFIX + "LookupEvents"), signedBody,
                "cloudtrail", REGION, cairn.admin(), CLOCK, Optional.empty()));
        assertThat(signedAsSent.statusCode()).isEqualTo(200);
        HttpResponse<String> tampered = cairn.send(request.POST(HttpRequest.BodyPublishers.ofString(
                "{\"MaxResults\":9}")));
        assertError(tampered, 400, "InvalidSignatureException");
    }

    @Test
    void sdkAndCli_regionCairnDoesNotServe_getInvalidSignature() throws Exception {
        try (CloudTrailClient client = sdk(cairn.admin(), "us-west-2", CLOCK)) {
            assertSdkError(client::lookupEvents, "InvalidSignatureException",
                    "Credential should be scoped to a valid region, not 'us-west-2'.");
        }
        assertCliError(cairn.cli("us-west-2", "cloudtrail", "lookup-events"), "InvalidSignatureException");
    }

    @Test
    void post_scopeChangedToAnotherRegionAfterSigning_isInvalidSignature() throws Exception {
        HttpRequest signed = TestSigning.post(cairn.endpoint(), "application/x-amz-json-1.1",
                Optional.of(ApiRoutes.TARGET_PREFIX + "LookupEvents"), LOOKUP.getBytes(StandardCharsets.UTF_8),
                "cloudtrail", "eu-west-1", cairn.admin(), CLOCK, Optional.empty()).build();
        HttpRequest.Builder moved = HttpRequest.newBuilder(signed.uri())
                .POST(HttpRequest.BodyPublishers.ofString(LOOKUP));
        signed.headers().map().forEach((name, values) -> values.forEach(value -> moved.header(name,
                name.equalsIgnoreCase("Authorization") ? value.replace("/eu-west-1/", "/us-east-1/") : value)));
        assertError(cairn.send(moved), 400, "InvalidSignatureException");
    }

    @Test
    void post_signedForAnotherService_isInvalidSignature() throws Exception {
        HttpResponse<String> response = cairn.send(TestSigning.post(cairn.endpoint(), "application/x-amz-json-1.1",
                Optional.of(ApiRoutes.TARGET_PREFIX + "LookupEvents"), LOOKUP.getBytes(StandardCharsets.UTF_8),
                "cloudtrail-data", REGION, cairn.admin(), CLOCK, Optional.empty()));
        JsonNode error = assertError(response, 400, "InvalidSignatureException");
        assertThat(error.get("message").asText())
                .isEqualTo("Credential should be scoped to correct service: 'cloudtrail'.");
    }

    @Test
    void post_unsignedOrHalfSigned_isMissingOrIncomplete() throws Exception {
        assertError(cairn.post("/", "application/x-amz-json-1.1", ApiRoutes.TARGET_PREFIX + "LookupEvents",
                LOOKUP.getBytes(StandardCharsets.UTF_8), null), 403, "MissingAuthenticationTokenException");
        HttpResponse<String> halfSigned = cairn.send(HttpRequest.newBuilder(cairn.endpoint())
                .header("Authorization", "AWS4-HMAC-SHA256 Credential=" + cairn.admin().accessKeyId()
                        + "/20260101/us-east-1/cloudtrail/aws4_request")
                .header("X-Amz-Target", ApiRoutes.TARGET_PREFIX + "LookupEvents")
                .POST(HttpRequest.BodyPublishers.ofString(LOOKUP)));
        assertError(halfSigned, 400, "IncompleteSignatureException");
    }

    @Test
    void sdk_temporaryCredentials_needTheirTokenAndExpire() {
        Directory directory = cairn.server().directory();
        directory.createPrincipal(cairn.accountId(), Principal.Type.ROLE, "reader", PermissionSet.AUDITOR,
                List.of());
        Directory.NewKey session = directory.assumeRole(cairn.accountId(), "reader", "test-session",
                Duration.ofMinutes(15));
        String token = session.sessionToken().orElseThrow();
        AwsSessionCredentialsIdentity good = AwsSessionCredentialsIdentity.create(session.key().id(),
                session.secret(), token);
        try (CloudTrailClient client = sdk(good, REGION, CLOCK)) {
            assertThat(client.lookupEvents().sdkHttpResponse().isSuccessful()).isTrue();
        }
        AwsSessionCredentialsIdentity otherToken = AwsSessionCredentialsIdentity.create(session.key().id(),
                session.secret(), token.substring(1) + "A");
        try (CloudTrailClient client = sdk(otherToken, REGION, CLOCK)) {
            assertSdkError(client::lookupEvents, "UnrecognizedClientException",
                    "The security token included in the request is invalid.");
        }
        try (CloudTrailClient client = sdk(AwsCredentialsIdentity.create(session.key().id(), session.secret()),
                REGION, CLOCK)) {
            assertSdkError(client::lookupEvents, "UnrecognizedClientException",
                    "The security token included in the request is invalid.");
        }
        Instant now = CLOCK.instant();
        CLOCK.advance(Duration.ofMinutes(15).plusSeconds(1));
        try (CloudTrailClient client = sdk(good, REGION, CLOCK)) {
            assertSdkError(client::lookupEvents, "ExpiredTokenException",
                    "The security token included in the request is expired");
            directory.createPrincipal(cairn.accountId(), Principal.Type.USER, "later", PermissionSet.AUDITOR,
                    List.of());
            assertSdkError(client::lookupEvents, "ExpiredTokenException",
                    "The security token included in the request is expired");
        } finally {
            CLOCK.set(now);
        }
    }

    private static JsonNode assertError(HttpResponse<String> response, int status, String code) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode body = MAPPER.readTree(response.body());
        assertThat(body.get("__type").asText()).isEqualTo(code);
        assertThat(response.headers().firstValue("x-amzn-ErrorType")).contains(code);
        assertThat(response.body()).doesNotContain(cairn.admin().secretAccessKey());
        return body;
    }
}
