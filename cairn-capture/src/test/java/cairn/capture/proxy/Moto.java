package cairn.capture.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/**
 * A moto server ({@code moto_server}, preinstalled: an in-memory AWS in Python) run as a child process on a free
 * loopback port, as the upstream of the proxy under test. Moto takes any credentials and does not check signatures.
 * Its output goes to a temporary file, shown by {@link #output()}. Adapted from cairn-delivery's test fixture (whose
 * test-jar is not on this module's classpath).
 */
final class Moto implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
    private static final int START_ATTEMPTS = 3;

    private final Process process;
    private final URI endpoint;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    Moto() throws IOException {
        log = Files.createTempFile("moto-server", ".log");
        Process running = null;
        URI answering = null;
        IllegalStateException failure = null;
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            int port = freePort();
            Process started = new ProcessBuilder("moto_server", "-H", "127.0.0.1", "-p", Integer.toString(port))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            URI candidate = URI.create("http://127.0.0.1:" + port);
            try {
                awaitAnswer(started, candidate);
                running = started;
                answering = candidate;
                break;
            } catch (IllegalStateException e) {
                stop(started);
                failure = e;
            }
        }
        if (running == null) {
            throw new IllegalStateException(failure.getMessage() + "; its output:\n" + output(), failure);
        }
        process = running;
        endpoint = answering;
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private void awaitAnswer(Process started, URI candidate) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        HttpRequest probe = HttpRequest.newBuilder(candidate.resolve("/moto-api/")).timeout(Duration.ofSeconds(2))
                .GET().build();
        while (System.nanoTime() < deadline) {
            if (!started.isAlive()) {
                throw new IllegalStateException("moto_server exited with status " + started.exitValue());
            }
            try {
                http.send(probe, HttpResponse.BodyHandlers.discarding());
                return;
            } catch (IOException e) {
                // Not listening yet.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for moto_server", e);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for moto_server", e);
            }
        }
        throw new IllegalStateException("moto_server did not answer on " + candidate + " within "
                + START_TIMEOUT.toSeconds() + " s");
    }

    URI endpoint() {
        return endpoint;
    }

    /** Forgets every bucket, user and table, as if just started. */
    void reset() {
        HttpResponse<String> response = send(HttpRequest.newBuilder(endpoint.resolve("/moto-api/reset"))
                .POST(HttpRequest.BodyPublishers.noBody()));
        if (response.statusCode() != 200) {
            throw new IllegalStateException("moto reset answered " + response.statusCode() + ": " + response.body());
        }
    }

    /** Whether the bucket exists in moto (asked directly, not through the proxy). */
    boolean bucketExists(String bucket) {
        int status = send(ProxyTesting.signedS3(HttpRequest.newBuilder(endpoint.resolve("/" + bucket)))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())).statusCode();
        if (status != 200 && status != 404) {
            throw new IllegalStateException("HEAD /" + bucket + " answered " + status);
        }
        return status == 200;
    }

    /** An object's size and SHA-256 (hex), read from moto directly as a stream; null when there is no such object. */
    Digest object(String bucket, String key) throws IOException, InterruptedException {
        HttpResponse<InputStream> response = http.send(ProxyTesting.signedS3(HttpRequest.newBuilder(
                endpoint.resolve("/" + bucket + "/" + key))).timeout(Duration.ofSeconds(60)).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            if (response.statusCode() == 404) {
                return null;
            }
            if (response.statusCode() != 200) {
                throw new IllegalStateException("GET /" + bucket + "/" + key + " answered " + response.statusCode()
                        + ": " + new String(body.readAllBytes(), StandardCharsets.UTF_8));
            }
            return Digest.of(body);
        }
    }

    /** The size and SHA-256 of a stream, read to its end. */
    record Digest(long size, String sha256) {
        static Digest of(InputStream in) throws IOException {
            MessageDigest digest = newSha256();
            byte[] buffer = new byte[64 * 1024];
            long size = 0;
            for (int count; (count = in.read(buffer)) >= 0; ) {
                digest.update(buffer, 0, count);
                size += count;
            }
            return new Digest(size, HexFormat.of().formatHex(digest.digest()));
        }

        static MessageDigest newSha256() {
            try {
                return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException("moto on " + endpoint + " did not answer; its output:\n" + output(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while talking to moto", e);
        }
    }

    /** The end of what moto printed (one line per request). */
    String output() {
        try {
            String text = Files.readString(log, StandardCharsets.UTF_8);
            return text.length() <= 8000 ? text : "..." + text.substring(text.length() - 8000);
        } catch (IOException e) {
            return "(moto's output could not be read: " + e + ")";
        }
    }

    @Override
    public void close() throws IOException {
        stop(process);
        Files.deleteIfExists(log);
    }

    private static void stop(Process started) {
        started.descendants().forEach(ProcessHandle::destroy);
        started.destroy();
        try {
            if (!started.waitFor(5, TimeUnit.SECONDS)) {
                started.descendants().forEach(ProcessHandle::destroyForcibly);
                started.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            started.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
