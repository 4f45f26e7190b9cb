package cairn.capture.proxy;

import cairn.capture.AuditClient;
import cairn.capture.Mode;
import cairn.capture.proxy.Moto.Digest;
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
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static cairn.capture.proxy.ProxyTesting.CALLER_KEY;
import static cairn.capture.proxy.ProxyTesting.lookup;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Large bodies stream through the proxy both ways: a 50 MB upload (with a Content-Length, and one chunked) and its
 * download reach moto and come back whole (size and SHA-256), while the records keep only a prefix of at most the
 * recorder's limit: the proxy never holds a body (in fail-open mode).
 */
final class RecordingProxyStreamingTest {
    static {
        ProxyTesting.allowHostHeader();
    }

    private static final int LIMIT = 16 * 1024;
    private static final long BIG = 50L * 1024 * 1024;
    private static final long CHUNKED = 8L * 1024 * 1024 + 3;
    private static final String BUCKET = "cairn-proxy-streaming";

    @TempDir
    static Path folder;

    private static Moto moto;
    private static RunningCairn cairn;
    private static AuditClient client;
    private static RecordingProxy proxy;
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
        AwsCredentialsIdentity writer = cairn.newUser(cairn.accountId(), "proxy-writer", PermissionSet.WRITER);
        client = ProxyTesting.auditClient(cairn.endpoint(), writer, folder.resolve("spill")).build();
        moto = starting.join();
        proxy = ProxyTesting.proxy(moto.endpoint(), ProxyTesting.recorder(LIMIT), client, Mode.FAIL_OPEN);
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (client != null) {
            client.close();
        }
        if (cairn != null) {
            cairn.close();
        }
        if (moto != null) {
            moto.close();
        }
    }

    /**
     * A body of {@code length} bytes made as it is read: a JSON object {@code {"blob":"..."}} of pseudo-random
     * letters, the same for the same length.
     */
    private static final class Generated extends InputStream {
        private static final byte[] HEAD = "{\"blob\":\"".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] TAIL = "\"}".getBytes(StandardCharsets.US_ASCII);
        private final long length;
        private long position;
        private long state = 0x9E3779B97F4A7C15L;

        Generated(long length) {
            this.length = length;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int count) {
            if (position >= length) {
                return -1;
            }
            int n = (int) Math.min(count, length - position);
            for (int i = 0; i < n; i++) {
                long at = position + i;
                byte b;
                if (at < HEAD.length) {
                    b = HEAD[(int) at];
                } else if (at >= length - TAIL.length) {
                    b = TAIL[(int) (at - (length - TAIL.length))];
                } else {
                    state ^= state << 13;
                    state ^= state >>> 7;
                    state ^= state << 17;
                    b = (byte) ('a' + Math.floorMod(state, 26));
                }
                buffer[offset + i] = b;
            }
            position += n;
            return n;
        }
    }

    private static HttpRequest.Builder signed(String path) {
        return ProxyTesting.signedS3(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + path)))
                .timeout(Duration.ofSeconds(60));
    }

    @Test
    void largeUploadAndDownload_streamThrough_andTheRecordsKeepOnlyAPrefix() throws Exception {
        Digest expected = Digest.of(new Generated(BIG));
        Digest expectedChunked = Digest.of(new Generated(CHUNKED));
        HttpResponse<String> bucket = HTTP.send(signed("/" + BUCKET).PUT(HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(bucket.statusCode()).as(bucket.body()).isEqualTo(200);

        HttpResponse<String> put = HTTP.send(signed("/" + BUCKET + "/big.json")
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(
                        () -> new Generated(BIG)), BIG)).build(), HttpResponse.BodyHandlers.ofString());
        // No length given: the JDK's client sends it chunked, and so does the proxy.
        HttpResponse<String> chunked = HTTP.send(signed("/" + BUCKET + "/chunked.json")
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new Generated(CHUNKED))).build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<InputStream> get = HTTP.send(signed("/" + BUCKET + "/big.json").GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        Digest downloaded;
        try (InputStream body = get.body()) {
            downloaded = Digest.of(body);
        }

        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        assertThat(chunked.statusCode()).as(chunked.body()).isEqualTo(200);
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.headers().firstValueAsLong("content-length")).hasValue(BIG);
        assertThat(downloaded).as("downloaded through the proxy").isEqualTo(expected);
        assertThat(moto.object(BUCKET, "big.json")).as("in moto").isEqualTo(expected);
        assertThat(moto.object(BUCKET, "chunked.json")).as("in moto, sent chunked").isEqualTo(expectedChunked);

        ProxyTesting.flushed(client, 4);
        List<JsonNode> puts = lookup(cairn, LookupAttributeKey.EVENT_NAME, "PutObject");
        assertThat(puts).hasSize(2);
        for (JsonNode record : puts) {
            String key = record.path("requestParameters").path("key").asText();
            long length = key.equals("big.json") ? BIG : CHUNKED;
            JsonNode body = record.path("requestParameters").path("body");
            assertThat(record.path("eventSource").asText()).isEqualTo("s3.amazonaws.com");
            assertThat(record.path("userIdentity").path("accessKeyId").asText()).isEqualTo(CALLER_KEY);
            assertThat(record.path("requestParameters").path("bucketName").asText()).isEqualTo(BUCKET);
            assertThat(body.path("cairnTruncated").asBoolean()).as(key + ": " + body).isTrue();
            assertThat(body.path("bytes").asLong()).as(key + ": the whole body's length").isEqualTo(length);
            assertThat(body.path("prefix").asText()).startsWith("{\"blob\":\"").hasSizeLessThanOrEqualTo(LIMIT);
            assertThat(record.toString().length()).as(key + ": the record's size").isLessThan(LIMIT + 4096);
        }
        List<JsonNode> gets = lookup(cairn, LookupAttributeKey.EVENT_NAME, "GetObject");
        assertThat(gets).singleElement().satisfies(record -> {
            assertThat(record.path("requestParameters").path("key").asText()).isEqualTo("big.json");
            assertThat(record.path("readOnly").asBoolean()).isTrue();
            assertThat(record.path("responseElements").isNull()).as(record.toString()).isTrue();
            assertThat(record.toString().length()).as("the record's size").isLessThan(4096);
        });
    }
}
