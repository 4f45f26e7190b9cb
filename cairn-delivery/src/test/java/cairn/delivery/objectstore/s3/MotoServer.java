package cairn.delivery.objectstore.s3;

import java.io.IOException;
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
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A moto server ({@code moto_server}, an in-memory S3-compatible server in Python, preinstalled) run as a child
 * process on a free loopback port, for tests that need a real S3 endpoint. Moto takes any credentials
 * ({@link #ACCESS_KEY_ID}, {@link #SECRET_ACCESS_KEY}) and path-style addressing in {@link #REGION}. The constructor
 * returns once the server answers HTTP; {@link #close()} stops it. Its output (one line per request) goes to a
 * temporary file and is shown by {@link #output()} and in the messages of failures. Thread-safe.
 */
public final class MotoServer implements AutoCloseable {
    public static final String EXECUTABLE = "moto_server";
    public static final String ACCESS_KEY_ID = "testing";
    public static final String SECRET_ACCESS_KEY = "testing";
    public static final String REGION = "us-east-1";

    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
    private static final int START_ATTEMPTS = 3;
    private static final int OUTPUT_SHOWN = 8_000;

    private final String executable;
    private final Process process;
    private final int port;
    private final URI endpoint;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private String outputAtClose;

    /** Starts a moto server and waits until it answers, trying another port if the one picked was taken meanwhile. */
    public MotoServer() throws IOException {
        this(EXECUTABLE);
    }

    /** Runs {@code executable} in place of {@code moto_server}: for the test of a missing one. */
    MotoServer(String executable) throws IOException {
        this.executable = executable;
        log = Files.createTempFile("moto-server", ".log");
        Started started = startAndAwait();
        process = started.process();
        port = started.port();
        endpoint = URI.create("http://127.0.0.1:" + port);
    }

    private record Started(Process process, int port) {
    }

    private Started startAndAwait() throws IOException {
        IllegalStateException failure = null;
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            int candidate = freePort();
            Process started = start(candidate);
            try {
                awaitAnswer(started, URI.create("http://127.0.0.1:" + candidate));
                return new Started(started, candidate);
            } catch (IllegalStateException e) {
                stop(started);
                failure = e;
                // An early exit may be the port taken by someone else meanwhile; a server that never answers is not.
                if (!e.getMessage().contains(" exited ")) {
                    break;
                }
            }
        }
        String output = readLog();
        Files.deleteIfExists(log);
        throw new IllegalStateException(failure.getMessage() + "; its output:\n" + output, failure.getCause());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private Process start(int candidate) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(executable, "-H", "127.0.0.1", "-p", Integer.toString(candidate))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        try {
            return builder.start();
        } catch (IOException e) {
            Files.deleteIfExists(log);
            throw new IllegalStateException(executable + " could not be started; the S3 tests need it on the PATH "
                    + "(pip install 'moto[server]'): " + e.getMessage(), e);
        }
    }

    /** Polls {@code GET /} until moto answers, it exits, or the start timeout passes. */
    private void awaitAnswer(Process started, URI candidateEndpoint) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        HttpRequest probe = HttpRequest.newBuilder(candidateEndpoint.resolve("/")).timeout(Duration.ofSeconds(2))
                .GET().build();
        IOException lastFailure = null;
        while (System.nanoTime() < deadline) {
            if (!started.isAlive()) {
                throw new IllegalStateException(executable + " exited with status " + started.exitValue()
                        + " before answering on " + candidateEndpoint, lastFailure);
            }
            try {
                http.send(probe, HttpResponse.BodyHandlers.discarding());
                return;
            } catch (IOException e) {
                lastFailure = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + executable, e);
            }
            try {
                // Polling, not synchronisation: the answer above is what says moto is ready.
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + executable, e);
            }
        }
        throw new IllegalStateException(executable + " did not answer on " + candidateEndpoint + " within "
                + START_TIMEOUT.toSeconds() + " s", lastFailure);
    }

    /** The server's address, such as {@code http://127.0.0.1:41234}; buckets are addressed path-style under it. */
    public URI endpoint() {
        return endpoint;
    }

    public int port() {
        return port;
    }

    /** Creates a bucket (in {@link #REGION}); creating one that exists already is no error. */
    public void createBucket(String bucket) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(endpoint.resolve("/" + bucket))
                .PUT(HttpRequest.BodyPublishers.noBody()));
        if (response.statusCode() != 200 && !response.body().contains("BucketAlreadyOwnedByYou")) {
            throw new IllegalStateException("creating bucket " + bucket + " in " + executable + " answered "
                    + response.statusCode() + ": " + response.body());
        }
    }

    /** Deletes every bucket and object, as if the server had just started: lets one server serve many tests. */
    public void reset() {
        HttpResponse<String> response = send(HttpRequest.newBuilder(endpoint.resolve("/moto-api/reset"))
                .POST(HttpRequest.BodyPublishers.noBody()));
        if (response.statusCode() != 200) {
            throw new IllegalStateException("resetting " + executable + " answered " + response.statusCode() + ": "
                    + response.body());
        }
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(executable + " on " + endpoint + " did not answer; its output:\n"
                    + output(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while talking to " + executable, e);
        }
    }

    /** The last part of what the server printed: the requests it served, and why it stopped if it did. */
    public synchronized String output() {
        return outputAtClose != null ? outputAtClose : readLog();
    }

    private String readLog() {
        try {
            String text = Files.readString(log, StandardCharsets.UTF_8);
            return text.length() <= OUTPUT_SHOWN ? text : "..." + text.substring(text.length() - OUTPUT_SHOWN);
        } catch (IOException e) {
            return "(its output could not be read: " + e + ")";
        }
    }

    /** Stops the server (asking first, then killing it) and removes its output file, keeping the output. */
    @Override
    public synchronized void close() throws IOException {
        if (outputAtClose != null) {
            return;
        }
        stop(process);
        outputAtClose = readLog();
        Files.deleteIfExists(log);
    }

    private static void stop(Process started) {
        started.descendants().forEach(ProcessHandle::destroy);
        started.destroy();
        try {
            if (!started.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                started.descendants().forEach(ProcessHandle::destroyForcibly);
                started.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            started.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return executable + " on " + endpoint;
    }
}
