package cairn.capture.proxy;

import cairn.capture.AuditClient;
import cairn.capture.Mode;
import cairn.capture.proxy.ProxyTesting.Cli;
import cairn.server.identity.PermissionSet;
import cairn.server.testing.RunningCairn;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.services.cloudtrail.model.LookupAttributeKey;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static cairn.capture.proxy.ProxyTesting.CALLER_KEY;
import static cairn.capture.proxy.ProxyTesting.aws;
import static cairn.capture.proxy.ProxyTesting.lookup;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The proxy when something is down: Cairn, in {@link Mode#FAIL_CLOSED} (calls are refused with a 503 and never reach
 * the upstream; once Cairn is back they pass, each in the history before its answer is given), or the upstream (a
 * 502, recorded with the error). Moto is the upstream; Cairn runs in-process and is stopped and started again on the
 * same port and data.
 */
final class RecordingProxyModesTest {
    static {
        ProxyTesting.allowHostHeader();
    }


    @TempDir
    static Path folder;

    private static Moto moto;
    private static RunningCairn cairn;
    private static URI cairnEndpoint;
    private static AwsCredentialsIdentity writer;
    private static int spills;
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        CompletableFuture<Moto> starting = CompletableFuture.supplyAsync(() -> {
            try {
                return new Moto();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        cairn = RunningCairn.start(folder.resolve("cairn"), Clock.systemUTC(), Map.of());
        cairnEndpoint = cairn.endpoint();
        writer = cairn.newUser(cairn.accountId(), "proxy-writer", PermissionSet.WRITER);
        moto = starting.join();
    }

    @AfterAll
    static void stop() throws Exception {
        cairnDown();
        if (moto != null) {
            moto.close();
        }
    }

    private static void cairnDown() throws IOException {
        if (cairn != null) {
            cairn.close();
            cairn = null;
        }
    }

    /** Cairn again, on the same port and data (its writer's key still good). */
    private static void cairnUp() throws IOException {
        if (cairn == null) {
            cairn = RunningCairn.start(folder.resolve("cairn"), Clock.systemUTC(),
                    Map.of("server.port", Integer.toString(cairnEndpoint.getPort())));
        }
    }

    private static AuditClient client() throws IOException {
        return ProxyTesting.auditClient(cairnEndpoint, writer, folder.resolve("spill-" + ++spills))
                .timeout(Duration.ofSeconds(2)).maxBackoff(Duration.ofMillis(500)).build();
    }

    private static URI endpoint(RecordingProxy proxy) {
        return URI.create("http://127.0.0.1:" + proxy.port());
    }

    /** An S3 call as an SDK sends it, SigV4-shaped (moto does not check signatures), with an empty body. */
    private static HttpResponse<String> s3(RecordingProxy proxy, String method, String path)
            throws IOException, InterruptedException {
        HttpRequest request = ProxyTesting.signedS3(HttpRequest.newBuilder(endpoint(proxy).resolve(path)))
                .timeout(Duration.ofSeconds(20))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Fail-closed promises, as Vault's audit devices do, that no call is served unless its record is accepted. With
     * Cairn down when the proxy starts, the very first call must not create the bucket either.
     */
    @Test
    void failClosed_cairnDownFromTheStart_theFirstCallDoesNotReachTheUpstream() throws Exception {
        cairnDown();
        try (AuditClient client = client();
             RecordingProxy proxy = ProxyTesting.proxy(moto.endpoint(), ProxyTesting.recorder(16 * 1024), client,
                     Mode.FAIL_CLOSED)) {
            HttpResponse<String> first = s3(proxy, "PUT", "/fail-closed-first-call");

            assertThat(first.statusCode()).as(first.body()).isEqualTo(503);
            assertThat(moto.bucketExists("fail-closed-first-call"))
                    .as("the bucket of a call refused with 503 in fail-closed mode").isFalse();
        }
    }

    @Test
    void failClosed_whileCairnIsDown_callsAre503AndNeverReachTheUpstream_onceItIsBack_theyPassAndAreInTheHistory()
            throws Exception {
        cairnDown();
        try (AuditClient client = client();
             RecordingProxy proxy = ProxyTesting.proxy(moto.endpoint(), ProxyTesting.recorder(16 * 1024), client,
                     Mode.FAIL_CLOSED)) {
            // A harmless read first: the proxy learns that Cairn does not take records.
            HttpResponse<String> probe = s3(proxy, "GET", "/");
            assertThat(probe.statusCode()).as(probe.body()).isEqualTo(503);
            assertThat(client.reachable()).isFalse();

            HttpResponse<String> refused = s3(proxy, "PUT", "/fail-closed-while-down");
            Cli cli = aws(endpoint(proxy), folder.resolve("cli"), "s3api", "create-bucket", "--bucket",
                    "fail-closed-cli-while-down");

            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
            assertThat(refused.body()).contains("audit trail is unavailable");
            assertThat(cli.exitCode()).as(cli.toString()).isEqualTo(255);
            assertThat(cli.stderr()).as(cli.toString()).contains("503");
            assertThat(moto.bucketExists("fail-closed-while-down")).isFalse();
            assertThat(moto.bucketExists("fail-closed-cli-while-down")).isFalse();

            cairnUp();
            // The record of the first call, spilled, goes as soon as the backoff (at most 0.5 s) lets it.
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (!client.reachable() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(client.reachable()).as("the client sees Cairn again").isTrue();

            Cli created = aws(endpoint(proxy), folder.resolve("cli"), "s3api", "create-bucket", "--bucket",
                    "fail-closed-cli-when-up");

            assertThat(created.exitCode()).as(created.toString()).isZero();
            assertThat(created.stdout()).contains("/fail-closed-cli-when-up");
            assertThat(moto.bucketExists("fail-closed-cli-when-up")).isTrue();
            // In the history at once, without a flush: the answer was held until Cairn accepted the record.
            List<JsonNode> records = lookup(cairn, LookupAttributeKey.EVENT_NAME, "CreateBucket");
            assertThat(records).as(records.toString()).anySatisfy(record -> {
                assertThat(record.path("requestParameters").path("bucketName").asText())
                        .isEqualTo("fail-closed-cli-when-up");
                assertThat(record.path("eventSource").asText()).isEqualTo("s3.amazonaws.com");
                assertThat(record.path("userIdentity").path("accessKeyId").asText()).isEqualTo(CALLER_KEY);
                assertThat(record.has("errorCode")).isFalse();
            });
            // Refused calls never reached moto, so nothing happened that the history should hold.
            assertThat(records).noneSatisfy(record -> assertThat(record.path("requestParameters")
                    .path("bucketName").asText()).contains("while-down"));
        }
    }

    @Test
    void upstreamDown_callGets502_andIsRecordedWithTheError() throws Exception {
        cairnUp();
        URI nowhere = URI.create("http://127.0.0.1:" + Moto.freePort());
        try (AuditClient client = client();
             RecordingProxy proxy = ProxyTesting.proxy(nowhere, ProxyTesting.recorder(16 * 1024), client,
                     Mode.FAIL_OPEN)) {
            HttpResponse<String> response = s3(proxy, "PUT", "/upstream-down-bucket");

            assertThat(response.statusCode()).as(response.body()).isEqualTo(502);
            assertThat(response.body()).contains("upstream could not be reached");
            ProxyTesting.flushed(client, 1);
            List<JsonNode> records = lookup(cairn, LookupAttributeKey.EVENT_NAME, "CreateBucket");
            assertThat(records).as(records.toString()).anySatisfy(record -> {
                assertThat(record.path("requestParameters").path("bucketName").asText())
                        .isEqualTo("upstream-down-bucket");
                assertThat(record.path("eventSource").asText()).isEqualTo("s3.amazonaws.com");
                assertThat(record.path("userIdentity").path("accessKeyId").asText()).isEqualTo(CALLER_KEY);
                assertThat(record.path("errorCode").asText()).isEqualTo("ConnectException");
                assertThat(record.path("errorMessage").asText()).isNotBlank();
                assertThat(record.path("readOnly").asBoolean(true)).isFalse();
            });
        }
    }
}
