package cairn.server.auth;

import cairn.model.error.CloudTrailException;
import cairn.server.testing.MutableClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The verifier against requests signed by the AWS SDK for Java v2's own SigV4 signer, so that both sides of the
 * canonical request are checked against AWS's implementation rather than against each other.
 */
final class SigV4VerifierTest {
    private static final String KEY = "AKIAIOSFODNN7EXAMPLE";
    private static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    private static final String TOKEN = "FQoGZXIvYXdzEXAMPLETOKEN//////////wEaDM";
    private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
    private static final byte[] BODY = "{\"MaxResults\":5}".getBytes(StandardCharsets.UTF_8);

    private final MutableClock clock = new MutableClock(NOW);
    private final SigV4Verifier.SecretLookup secrets = (accessKeyId, sessionToken) -> switch (accessKeyId) {
        case KEY -> Optional.of(SECRET);
        case "ASIATEMPORARY" -> sessionToken.filter(TOKEN::equals).map(ignored -> SECRET);
        default -> Optional.empty();
    };
    private final SigV4Verifier verifier = new SigV4Verifier(clock, region -> !region.equals("mars-east-1"));

    private SigV4Verifier.Signer verify(SigV4Verifier.Request request) {
        return verifier.verify(request, Set.of("cloudtrail", "cloudtrail-data"), secrets);
    }

    private static SigV4Verifier.Request signed(String pathAndQuery, byte[] body, String secret, Instant at,
                                                String service, boolean presigned) {
        return signed(pathAndQuery, body, AwsCredentialsIdentity.create(KEY, secret), at, service, presigned);
    }

    private static SigV4Verifier.Request signed(String pathAndQuery, byte[] body, AwsCredentialsIdentity identity,
                                                Instant at, String service, boolean presigned) {
        return signed(pathAndQuery, body, identity, at, service, presigned, true, "eu-west-3");
    }

    private static SigV4Verifier.Request signed(String pathAndQuery, byte[] body, AwsCredentialsIdentity identity,
                                                Instant at, String service, boolean presigned,
                                                boolean payloadSigned, String region) {
        SdkHttpRequest request = SdkHttpRequest.builder().method(SdkHttpMethod.POST)
                // The SDK leaves the payload unsigned only over TLS; the scheme is not part of the signature.
                .uri(URI.create((payloadSigned ? "http" : "https") + "://127.0.0.1:8745" + pathAndQuery))
                .putHeader("Content-Type", "application/x-amz-json-1.1")
                .putHeader("X-Amz-Target", "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents")
                .build();
        SignedRequest signed = AwsV4HttpSigner.create().sign(signing -> {
            signing.identity(identity)
                    .request(request)
                    .payload(ContentStreamProvider.fromByteArray(body))
                    .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, service)
                    .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                    .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC))
                    .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, payloadSigned);
            if (presigned) {
                signing.putProperty(AwsV4HttpSigner.AUTH_LOCATION, AwsV4FamilyHttpSigner.AuthLocation.QUERY_STRING)
                        .putProperty(AwsV4HttpSigner.EXPIRATION_DURATION, Duration.ofMinutes(5));
            }
        });
        SdkHttpRequest out = signed.request();
        Map<String, List<String>> headers = new LinkedHashMap<>();
        out.headers().forEach((name, values) -> headers.put(name, new ArrayList<>(values)));
        if (headers.keySet().stream().noneMatch(name -> name.equalsIgnoreCase("host"))) {
            headers.put("Host", List.of("127.0.0.1:8745"));
        }
        URI uri = out.getUri();
        return new SigV4Verifier.Request("POST", uri.getRawPath(), uri.getRawQuery() == null ? "" : uri.getRawQuery(),
                headers, body);
    }

    @Test
    void verify_headerFormSignedByTheSdk_givesTheSignerAndItsScope() {
        SigV4Verifier.Signer signer = verify(signed("/", BODY, SECRET, NOW, "cloudtrail", false));
        assertThat(signer).isEqualTo(new SigV4Verifier.Signer(KEY, Optional.empty(), "20261122", "eu-west-3",
                "cloudtrail"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "/PutAuditEvents?channelArn=arn%3Aaws%3Acloudtrail%3Aeu-west-3%3A111122223333%3Achannel%2Fabc&externalId=a%2Bb",
            "/records?b=2&a=1&a=0&empty=",
            "/odd%20path/with%2Fslash/~tilde/%C3%A9t%C3%A9",
            "/dots/./and/../segments",
            "/trailing/"})
    void verify_unusualPathsAndQueries_matchTheSdksCanonicalRequest(String pathAndQuery) {
        assertThat(verify(signed(pathAndQuery, BODY, SECRET, NOW, "cloudtrail-data", false)).service())
                .isEqualTo("cloudtrail-data");
    }

    @Test
    void verify_presignedBySdk_isAccepted() {
        SigV4Verifier.Request request = signed("/records?x=1", new byte[0], SECRET, NOW, "cloudtrail", true);
        assertThat(request.headers().keySet()).doesNotContain("authorization");
        assertThat(verify(request).accessKeyId()).isEqualTo(KEY);
    }

    @Test
    void verify_unsignedPayload_isAcceptedWhateverTheBody() {
        SigV4Verifier.Request request = signed("/", BODY, AwsCredentialsIdentity.create(KEY, SECRET), NOW,
                "cloudtrail", false, false, "eu-west-3");
        assertThat(request.headers().get("x-amz-content-sha256")).containsExactly("UNSIGNED-PAYLOAD");
        SigV4Verifier.Request otherBody = new SigV4Verifier.Request(request.method(), request.rawPath(),
                request.rawQuery(), request.headers(), "{}".getBytes(StandardCharsets.UTF_8));
        assertThat(verify(otherBody).accessKeyId()).isEqualTo(KEY);
    }

    @Test
    void verify_sessionCredentials_passTheTokenToTheLookup() {
        AwsSessionCredentialsIdentity identity = AwsSessionCredentialsIdentity.create("ASIATEMPORARY", SECRET, TOKEN);
        SigV4Verifier.Signer signer = verify(signed("/", BODY, identity, NOW, "cloudtrail", false));
        assertThat(signer.sessionToken()).hasValue(TOKEN);
    }

    @Test
    void verify_wrongSecret_isInvalidSignatureWithoutLeakingAnything() {
        assertError(() -> verify(signed("/", BODY, SECRET + "x", NOW, "cloudtrail", false)),
                "InvalidSignatureException", "The request signature we calculated does not match the signature you "
                        + "provided. Check your AWS Secret Access Key and signing method.");
    }

    @Test
    void verify_bodyChangedAfterSigning_isInvalidSignature() {
        SigV4Verifier.Request request = signed("/", BODY, SECRET, NOW, "cloudtrail", false);
        SigV4Verifier.Request changed = new SigV4Verifier.Request(request.method(), request.rawPath(),
                request.rawQuery(), request.headers(), "{\"MaxResults\":50}".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> verify(changed)).isInstanceOfSatisfying(CloudTrailException.class,
                e -> assertThat(e.code().wireName()).isEqualTo("InvalidSignatureException"));
    }

    @Test
    void verify_unknownAccessKey_isUnrecognizedClient() {
        SigV4Verifier.Request request = signed("/", BODY, AwsCredentialsIdentity.create("AKIAUNKNOWN", SECRET), NOW,
                "cloudtrail", false);
        assertError(() -> verify(request), "UnrecognizedClientException",
                "The security token included in the request is invalid.");
    }

    @Test
    void verify_scopedToAnotherService_isRefusedBeforeTheSecretIsLookedUp() {
        SigV4Verifier.Request request = signed("/", BODY, SECRET, NOW, "s3", false);
        assertError(() -> verifier.verify(request, Set.of("cloudtrail"), (key, token) -> {
            throw new AssertionError("looked up");
        }), "InvalidSignatureException", "Credential should be scoped to correct service: 'cloudtrail'.");
    }

    @Test
    void verify_scopedToARegionCairnDoesNotServe_isRefused() {
        SigV4Verifier.Request request = signed("/", BODY, AwsCredentialsIdentity.create(KEY, SECRET), NOW,
                "cloudtrail", false, true, "mars-east-1");
        assertError(() -> verify(request), "InvalidSignatureException",
                "Credential should be scoped to a valid region, not 'mars-east-1'.");
    }

    @Test
    void verify_signedSixteenMinutesAgo_hasExpired() {
        SigV4Verifier.Request request = signed("/", BODY, SECRET, NOW.minusSeconds(16 * 60), "cloudtrail", false);
        assertError(() -> verify(request), "InvalidSignatureException", "Signature expired: "
                + "20261122T094400Z is now earlier than 20261122T094500Z (20261122T100000Z - 15 min.)");
    }

    @Test
    void verify_signedFourteenMinutesAgo_isStillAccepted() {
        assertThat(verify(signed("/", BODY, SECRET, NOW.minusSeconds(14 * 60), "cloudtrail", false)))
                .isNotNull();
    }

    @Test
    void verify_presignedPastItsExpiry_hasExpired() {
        SigV4Verifier.Request request = signed("/", new byte[0], SECRET, NOW, "cloudtrail", true);
        clock.advance(Duration.ofMinutes(6));
        assertError(() -> verify(request), "InvalidSignatureException",
                "Signature expired: 20261122T100000Z + 300 s is now earlier than 20261122T100600Z.");
    }

    @Test
    void verify_noSignature_isMissingAuthenticationToken() {
        SigV4Verifier.Request request = new SigV4Verifier.Request("POST", "/", "", Map.of("Host", List.of("h")), BODY);
        assertError(() -> verify(request), "MissingAuthenticationTokenException",
                "Request is missing Authentication Token: sign it with AWS Signature Version 4.");
    }

    @Test
    void verify_authorizationWithoutSignature_isIncomplete() {
        SigV4Verifier.Request request = new SigV4Verifier.Request("POST", "/", "", Map.of("Host", List.of("h"),
                "Authorization", List.of("AWS4-HMAC-SHA256 Credential=" + KEY + "/20261122/eu-west-3/cloudtrail/"
                        + "aws4_request, SignedHeaders=host"), "X-Amz-Date", List.of("20261122T100000Z")), BODY);
        assertError(() -> verify(request), "IncompleteSignatureException",
                "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.");
    }

    @Test
    void verify_scopeDateOtherThanTheRequestDate_isRefused() {
        SigV4Verifier.Request request = new SigV4Verifier.Request("POST", "/", "", Map.of("Host", List.of("h"),
                "Authorization", List.of("AWS4-HMAC-SHA256 Credential=" + KEY + "/20261121/eu-west-3/cloudtrail/"
                        + "aws4_request, SignedHeaders=host;x-amz-date, Signature=00"),
                "X-Amz-Date", List.of("20261122T100000Z")), BODY);
        assertError(() -> verify(request), "InvalidSignatureException", "Date in Credential scope does not "
                + "match YYYYMMDD from ISO-8601 version of date from HTTP: '20261121' != '20261122'.");
    }

    @Test
    void collapseSpaces_trimsAndJoinsRunsOfWhitespace() {
        assertThat(SigV4Verifier.collapseSpaces("  a   b\t\t c ")).isEqualTo("a b c");
        assertThat(SigV4Verifier.collapseSpaces("plain")).isEqualTo("plain");
        assertThat(SigV4Verifier.collapseSpaces(" ")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"20261322T100000Z", "20261122T250000Z", "20261122T100000", "2026112T1000000Z",
            "2026-11-22T10:00Z", "2026112xT100000Z"})
    void verify_malformedAmzDate_isIncompleteSignature(String amzDate) {
        SigV4Verifier.Request request = signed("/", BODY, SECRET, NOW, "cloudtrail", false);
        Map<String, List<String>> headers = new LinkedHashMap<>(request.headers());
        headers.put("x-amz-date", List.of(amzDate));
        assertError(() -> verify(new SigV4Verifier.Request("POST", "/", "", headers, BODY)),
                "IncompleteSignatureException", "X-Amz-Date must be of the form yyyyMMddTHHmmssZ, not " + amzDate
                        + ".");
    }

    @Test
    void canonicalPath_encodesTheSentPathAgain() {
        assertThat(SigV4Verifier.canonicalPath("")).isEqualTo("/");
        assertThat(SigV4Verifier.canonicalPath("/")).isEqualTo("/");
        assertThat(SigV4Verifier.canonicalPath("/a%20b/c")).isEqualTo("/a%2520b/c");
        assertThat(SigV4Verifier.canonicalPath("/a/./b/../c/")).isEqualTo("/a/c/");
    }

    private static void assertError(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String code,
                                    String message) {
        assertThatThrownBy(call).isInstanceOfSatisfying(CloudTrailException.class, e -> {
            assertThat(e.code().wireName()).isEqualTo(code);
            assertThat(e.getMessage()).isEqualTo(message);
            assertThat(e.getMessage()).doesNotContain(SECRET);
        });
    }
}
