package cairn.delivery.objectstore.s3;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class MotoServerTest {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private int status(URI uri) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void start_answersOnItsLoopbackEndpoint_createBucketAndResetWork() throws Exception {
        try (MotoServer moto = new MotoServer()) {
            assertThat(moto.endpoint()).isEqualTo(URI.create("http://127.0.0.1:" + moto.port()));
            assertThat(status(moto.endpoint().resolve("/audit-bucket"))).isEqualTo(404);
            moto.createBucket("audit-bucket");
            moto.createBucket("audit-bucket");
            assertThat(status(moto.endpoint().resolve("/audit-bucket"))).isEqualTo(200);
            moto.reset();
            assertThat(status(moto.endpoint().resolve("/audit-bucket"))).isEqualTo(404);
            assertThat(moto.output()).contains("PUT /audit-bucket");
        }
    }

    @Test
    void createBucket_invalidName_failsWithMotosAnswer() throws IOException {
        try (MotoServer moto = new MotoServer()) {
            assertThatThrownBy(() -> moto.createBucket("b1"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("creating bucket b1 in moto_server answered 400: ")
                    .hasMessageContaining("<Code>InvalidBucketName</Code>");
        }
    }

    @Test
    void start_executableMissing_failsNamingIt() {
        assertThatThrownBy(() -> new MotoServer("no-such-moto_server"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("no-such-moto_server could not be started; the S3 tests need it on the PATH "
                        + "(pip install 'moto[server]'): Cannot run program \"no-such-moto_server\"");
    }

    @Test
    void close_stopsTheServerAndKeepsItsOutput() throws Exception {
        MotoServer moto = new MotoServer();
        URI endpoint = moto.endpoint();
        moto.createBucket("audit-bucket");
        moto.close();
        assertThatThrownBy(() -> status(endpoint)).isInstanceOf(ConnectException.class);
        assertThat(moto.output()).contains("PUT /audit-bucket");
        moto.close();
    }
}
