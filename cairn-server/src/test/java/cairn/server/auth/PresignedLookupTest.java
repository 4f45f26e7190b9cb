package cairn.server.auth;

import cairn.server.http.ApiRoutes;
import cairn.server.identity.AccessKey;
import cairn.server.identity.PermissionSet;
import cairn.server.testing.MutableClock;
import cairn.server.testing.RunningCairn;
import cairn.server.testing.TestSigning;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A LookupEvents request presigned by the AWS SDK for Java v2's signer (the signature in the query string, valid for
 * five minutes) is served while it is valid, and refused once it has expired, when its body was changed after signing,
 * and as soon as its key is deactivated.
 */
final class PresignedLookupTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String REGION = "eu-central-1";
    private static final Instant NOW = Instant.parse("2026-05-01T12:00:00Z");
    private static final Duration EXPIRY = Duration.ofMinutes(5);
    private static final String LOOKUP = "{\"LookupAttributes\":[{\"AttributeKey\":\"EventSource\","
            + "\"AttributeValue\":\"ec2.amazonaws.com\"}]}";

    @TempDir
    Path data;

    private MutableClock clock;
    private RunningCairn cairn;
    private AwsCredentialsIdentity auditor;

    @BeforeEach
    void start() throws Exception {
        clock = new MutableClock(NOW);
        cairn = RunningCairn.start(data, clock, Map.of());
        auditor = cairn.newUser(cairn.accountId(), "presigner", PermissionSet.AUDITOR);
        String records = "{\"Records\":[" + record("presigned-1", NOW.minusSeconds(120)) + ","
                + record("presigned-2", NOW.minusSeconds(60)) + "]}";
        assertThat(cairn.postRecords(records.getBytes(StandardCharsets.UTF_8), REGION).statusCode()).isEqualTo(200);
    }

    @AfterEach
    void stop() throws Exception {
        cairn.close();
    }

    private static String record(String id, Instant time) {
        return "{\"eventVersion\":\"1.08\",\"eventID\":\"" + id + "\",\"eventTime\":\"" + time + "\",\"eventSource\":"
                + "\"ec2.amazonaws.com\",\"eventName\":\"StartInstances\",\"awsRegion\":\"" + REGION + "\","
                + "\"readOnly\":false,\"eventType\":\"AwsApiCall\",\"userIdentity\":{\"type\":\"IAMUser\","
                + "\"userName\":\"ops\"}}";
    }

    /** A LookupEvents POST presigned now, for five minutes, with {@code body} as its signed body. */
    private HttpRequest.Builder presigned(String body, AwsCredentialsIdentity credentials) {
        return TestSigning.post(cairn.endpoint(), "application/x-amz-json-1.1",
                Optional.of(ApiRoutes.TARGET_PREFIX + "LookupEvents"), body.getBytes(StandardCharsets.UTF_8),
                "cloudtrail", REGION, credentials, clock, Optional.of(EXPIRY));
    }

    private static List<String> eventIds(HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        for (JsonNode event : MAPPER.readTree(response.body()).get("Events")) {
            ids.add(event.get("EventId").asText());
        }
        return ids;
    }

    private static void assertError(HttpResponse<String> response, String code, String message) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        JsonNode error = MAPPER.readTree(response.body());
        assertThat(error.get("__type").asText()).isEqualTo(code);
        assertThat(error.get("message").asText()).isEqualTo(message);
        assertThat(response.headers().firstValue("x-amzn-ErrorType")).hasValue(code);
    }

    @Test
    void presignedLookup_signatureInQueryString_carriesNoAuthorizationHeader() {
        HttpRequest request = presigned(LOOKUP, auditor).build();
        assertThat(request.headers().firstValue("Authorization")).isEmpty();
        assertThat(request.uri().getRawQuery()).contains("X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Expires=300",
                "X-Amz-Credential=" + auditor.accessKeyId() + "%2F20260501%2F" + REGION + "%2Fcloudtrail%2F",
                "X-Amz-Date=20260501T120000Z", "X-Amz-Signature=");
    }

    @Test
    void presignedLookup_rightAway_returnsTheEvents() throws Exception {
        assertThat(eventIds(cairn.send(presigned(LOOKUP, auditor)))).containsExactly("presigned-2", "presigned-1");
    }

    @Test
    void presignedLookup_fourMinutesLater_isStillServed() throws Exception {
        HttpRequest.Builder request = presigned(LOOKUP, auditor);
        clock.advance(Duration.ofMinutes(4));
        assertThat(eventIds(cairn.send(request))).containsExactly("presigned-2", "presigned-1");
    }

    @Test
    void presignedLookup_pastItsExpiry_isSignatureExpired() throws Exception {
        HttpRequest.Builder request = presigned(LOOKUP, auditor);
        assertThat(eventIds(cairn.send(request))).hasSize(2);
        clock.advance(EXPIRY.plusSeconds(1));
        assertError(cairn.send(request), "InvalidSignatureException",
                "Signature expired: 20260501T120000Z + 300 s is now earlier than 20260501T120501Z.");
    }

    @Test
    void presignedLookup_bodyChangedAfterSigning_isInvalidSignature() throws Exception {
        HttpRequest.Builder request = presigned(LOOKUP, auditor);
        assertThat(eventIds(cairn.send(request))).hasSize(2);
        // The SDK signs the body's SHA-256 into the canonical request; no x-amz-content-sha256 header goes with it.
        assertThat(request.build().headers().firstValue("x-amz-content-sha256")).isEmpty();
        HttpResponse<String> response = cairn.send(request.POST(HttpRequest.BodyPublishers.ofString(
                LOOKUP.replace("ec2.amazonaws.com", "s3.amazonaws.com"))));
        assertError(response, "InvalidSignatureException", "The request signature we calculated does not match the "
                + "signature you provided. Check your AWS Secret Access Key and signing method.");
    }

    @Test
    void presignedLookup_keyDeactivatedAfterSigning_isUnrecognizedAtOnce() throws Exception {
        HttpRequest.Builder request = presigned(LOOKUP, auditor);
        assertThat(eventIds(cairn.send(request))).hasSize(2);
        cairn.server().directory().setAccessKeyStatus(auditor.accessKeyId(), AccessKey.Status.INACTIVE);
        assertError(cairn.send(request), "UnrecognizedClientException",
                "The security token included in the request is invalid.");
    }
}
