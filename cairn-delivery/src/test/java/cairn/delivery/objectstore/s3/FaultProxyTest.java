package cairn.delivery.objectstore.s3;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class FaultProxyTest {
    private static MotoServer moto;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private FaultProxy proxy;

    @BeforeAll
    static void startMoto() throws IOException {
        moto = new MotoServer();
    }

    @AfterAll
    static void stopMoto() throws IOException {
        moto.close();
    }

    @BeforeEach
    void startProxy() throws IOException {
        moto.reset();
        proxy = new FaultProxy(moto.endpoint());
    }

    @AfterEach
    void closeProxy() {
        proxy.close();
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(proxy.endpoint().resolve(path)).timeout(Duration.ofSeconds(1)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void endpoint_isLoopbackOnItsPort() {
        assertThat(proxy.endpoint()).isEqualTo(URI.create("http://127.0.0.1:" + proxy.port()));
        assertThat(proxy.port()).isNotEqualTo(moto.port());
    }

    @Test
    void pass_forwardsRequestsAndAnswers() throws Exception {
        HttpResponse<String> response = get("/");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("<ListAllMyBucketsResult");
        assertThat(proxy.connections()).isEqualTo(1);
    }

    /** An S3 client of the AWS SDK, as the S3 object store has one, that tries each request twice. */
    private static S3Client s3(URI endpoint) {
        return S3Client.builder()
                .endpointOverride(endpoint)
                .region(Region.of(MotoServer.REGION))
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(MotoServer.ACCESS_KEY_ID, MotoServer.SECRET_ACCESS_KEY)))
                .httpClient(UrlConnectionHttpClient.builder().socketTimeout(Duration.ofSeconds(5)).build())
                .overrideConfiguration(configuration -> configuration.retryStrategy(retry -> retry.maxAttempts(2)))
                .build();
    }

    @Test
    void pass_largeObjectsThroughTheSdk_arriveWholeBothWays() {
        moto.createBucket("audit-bucket");
        byte[] large = new byte[5 * 1024 * 1024];
        new Random(5).nextBytes(large);
        try (S3Client proxied = s3(proxy.endpoint()); S3Client direct = s3(moto.endpoint())) {
            proxied.putObject(request -> request.bucket("audit-bucket").key("large"), RequestBody.fromBytes(large));
            byte[] readDirectly = direct.getObjectAsBytes(request -> request.bucket("audit-bucket").key("large"))
                    .asByteArray();
            byte[] readThroughProxy = proxied.getObjectAsBytes(request -> request.bucket("audit-bucket").key("large"))
                    .asByteArray();
            assertThat(Arrays.mismatch(readDirectly, large)).isEqualTo(-1);
            assertThat(Arrays.mismatch(readThroughProxy, large)).isEqualTo(-1);
        }
    }

    @Test
    void refuse_newConnectionsAreRefused() {
        proxy.refuse();
        assertThatThrownBy(() -> get("/")).isInstanceOf(ConnectException.class);
        assertThat(proxy.connections()).isZero();
    }

    @Test
    void refuse_resetsConnectionsInFlight() throws Exception {
        proxy.stall();
        CompletableFuture<HttpResponse<String>> held = http.sendAsync(
                HttpRequest.newBuilder(proxy.endpoint().resolve("/")).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        awaitConnections(1);
        proxy.refuse();
        assertThatThrownBy(() -> held.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(IOException.class).isNotInstanceOf(HttpTimeoutException.class);
    }

    @Test
    void pass_afterRefuse_listensOnTheSamePortAgain() throws Exception {
        int port = proxy.port();
        proxy.refuse();
        proxy.pass();
        assertThat(proxy.port()).isEqualTo(port);
        assertThat(get("/").statusCode()).isEqualTo(200);
    }

    @Test
    void failWith503_answersSlowDownAndCloses() throws Exception {
        proxy.failWith(503);
        HttpResponse<String> response = get("/audit-bucket/key");
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("content-type")).contains("application/xml");
        assertThat(response.headers().firstValue("x-amz-request-id")).contains("FAULTPROXY1");
        assertThat(response.body()).isEqualTo("""
                <?xml version="1.0" encoding="UTF-8"?>
                <Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message>\
                <RequestId>FAULTPROXY1</RequestId><HostId>cairn-fault-proxy</HostId></Error>""");
    }

    @ParameterizedTest
    @CsvSource({
            "500, InternalError",
            "403, AccessDenied",
            "404, NoSuchBucket",
            "502, InternalError",
            "400, InvalidRequest"})
    void failWith_statusAndItsS3Code(int status, String code) throws Exception {
        proxy.failWith(status);
        HttpResponse<String> response = get("/");
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(response.body()).contains("<Code>" + code + "</Code>");
    }

    @Test
    void failWith_codeAndMessage_areEscapedIntoTheDocument() throws Exception {
        proxy.failWith(503, "ServiceUnavailable", "down <for> maintenance & more");
        assertThat(get("/").body())
                .contains("<Code>ServiceUnavailable</Code><Message>down &lt;for&gt; maintenance &amp; more</Message>");
    }

    @Test
    void failWith_requestWithALargeBody_isStillAnswered() throws Exception {
        proxy.failWith(500);
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(proxy.endpoint().resolve("/audit-bucket/k"))
                        .timeout(Duration.ofSeconds(10)).PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[3 << 20]))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(500);
    }

    @Test
    void failWith_headRequest_hasNoBody() throws Exception {
        proxy.failWith(403);
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(proxy.endpoint().resolve("/audit-bucket/k"))
                .timeout(Duration.ofSeconds(1)).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.body()).isEmpty();
    }

    @Test
    void failWith403_theSdkReadsAccessDeniedAndDoesNotRetry() {
        moto.createBucket("audit-bucket");
        proxy.failWith(403);
        try (S3Client proxied = s3(proxy.endpoint())) {
            assertThatThrownBy(() -> proxied.getObjectAsBytes(request -> request.bucket("audit-bucket").key("k")))
                    .isInstanceOfSatisfying(S3Exception.class, e -> {
                        assertThat(e.statusCode()).isEqualTo(403);
                        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AccessDenied");
                        assertThat(e.awsErrorDetails().errorMessage()).isEqualTo("Access Denied");
                    });
            // A put waits for 100 Continue and is refused before its body, as S3 refuses one; the URL connection
            // client then gives the status without the error document.
            assertThatThrownBy(() -> proxied.putObject(request -> request.bucket("audit-bucket").key("k"),
                    RequestBody.fromBytes(new byte[1 << 20])))
                    .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(403));
        }
        assertThat(proxy.connections()).as("one attempt each").isEqualTo(2);
    }

    @Test
    void failWith503_theSdkRetriesThenReadsSlowDown() {
        moto.createBucket("audit-bucket");
        proxy.failWith(503);
        try (S3Client proxied = s3(proxy.endpoint())) {
            assertThatThrownBy(() -> proxied.getObjectAsBytes(request -> request.bucket("audit-bucket").key("k")))
                    .isInstanceOfSatisfying(S3Exception.class, e -> {
                        assertThat(e.statusCode()).isEqualTo(503);
                        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("SlowDown");
                    });
        }
        assertThat(proxy.connections()).as("the SDK's attempts").isEqualTo(2);
    }

    @Test
    void failWith_thenPass_theSdkPutsAgain() {
        moto.createBucket("audit-bucket");
        try (S3Client proxied = s3(proxy.endpoint())) {
            proxy.failWith(500);
            assertThatThrownBy(() -> proxied.putObject(request -> request.bucket("audit-bucket").key("k"),
                    RequestBody.fromBytes(new byte[1 << 20])))
                    .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(500));
            proxy.pass();
            proxied.putObject(request -> request.bucket("audit-bucket").key("k"), RequestBody.fromBytes(new byte[10]));
            assertThat(proxied.headObject(request -> request.bucket("audit-bucket").key("k")).contentLength())
                    .isEqualTo(10);
        }
    }

    @Test
    void failWith_notAnErrorStatus_isRefused() {
        assertThatThrownBy(() -> proxy.failWith(200))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not an error status: 200");
    }

    @Test
    void stall_clientTimesOut_thenPassWorksAgain() throws Exception {
        proxy.stall();
        assertThatThrownBy(() -> get("/")).isInstanceOf(HttpTimeoutException.class);
        proxy.pass();
        assertThat(get("/").statusCode()).isEqualTo(200);
    }

    @Test
    void pass_afterFailWith_forwardsAgain() throws Exception {
        proxy.failWith(503);
        assertThat(get("/").statusCode()).isEqualTo(503);
        proxy.pass();
        assertThat(get("/").statusCode()).isEqualTo(200);
    }

    @Test
    void close_stopsListening() {
        proxy.close();
        assertThatThrownBy(() -> get("/")).isInstanceOf(ConnectException.class);
        assertThatThrownBy(() -> proxy.pass())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("the fault proxy is closed");
        proxy.close();
    }

    /** Waits, with a deadline, until the proxy has accepted {@code count} connections. */
    private void awaitConnections(long count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (proxy.connections() < count) {
            assertThat(System.nanoTime()).as("deadline for %d connections", count).isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
