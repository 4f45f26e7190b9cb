package cairn.delivery.objectstore.s3;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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

    @Test
    void pass_largeBodies_arriveWholeBothWays() throws Exception {
        moto.createBucket("audit-bucket");
        byte[] large = new byte[5 * 1024 * 1024];
        new Random(5).nextBytes(large);
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(proxy.endpoint().resolve("/audit-bucket/large"))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(large)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        byte[] direct = http.send(HttpRequest.newBuilder(moto.endpoint().resolve("/audit-bucket/large")).build(),
                HttpResponse.BodyHandlers.ofByteArray()).body();
        byte[] proxied = http.send(HttpRequest.newBuilder(proxy.endpoint().resolve("/audit-bucket/large")).build(),
                HttpResponse.BodyHandlers.ofByteArray()).body();
        assertThat(Arrays.mismatch(direct, large)).isEqualTo(-1);
        assertThat(Arrays.mismatch(proxied, large)).isEqualTo(-1);
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
