package cairn.capture.proxy;

import cairn.capture.AuditClient;
import cairn.capture.BodyPrefix;
import cairn.capture.CallRecorder;
import cairn.capture.Exchange;
import cairn.capture.Mode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

import static java.util.Objects.requireNonNull;

/**
 * {@code cairn proxy}: a reverse proxy that forwards every call to one upstream and records it as a CloudTrail event,
 * with the identity, naming ({@link AwsNamer} for AWS-style APIs), redaction and mode rules of the recorders. Bodies
 * stream through both ways; only the recorded prefix of each is held. The {@code Host} header is passed on as the
 * client sent it when the JDK allows it ({@code -Djdk.httpclient.allowRestrictedHeaders=host}, which the
 * {@code cairn} command sets), since SigV4 signs it. A call the upstream cannot be reached for gets a 502, and is
 * recorded. In {@link Mode#FAIL_CLOSED} the response is held until Cairn accepted the record, else replaced by a 503.
 */
public final class RecordingProxy implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(RecordingProxy.class.getName());
    /** Headers that belong to one connection, never forwarded (RFC 9110 7.6.1), and those the JDK sets itself. */
    private static final Set<String> NOT_FORWARDED = Set.of("connection", "keep-alive", "proxy-connection",
            "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
            "content-length", "expect", "date");
    private static final Set<String> NO_BODY_METHODS = Set.of("GET", "HEAD", "DELETE", "OPTIONS", "TRACE");

    private final HttpServer server;
    private final ExecutorService executor;
    private final URI upstream;
    private final CallRecorder recorder;
    private final AuditClient client;
    private final Mode mode;
    private final Duration confirmTimeout;
    private final Clock clock;
    private final HttpClient http;
    private final boolean forwardHost;

    private RecordingProxy(InetSocketAddress bind, URI upstream, CallRecorder recorder, AuditClient client, Mode mode,
                           Duration confirmTimeout, Clock clock) throws IOException {
        this.upstream = requireNonNull(upstream, "upstream is null");
        this.recorder = requireNonNull(recorder, "recorder is null");
        this.client = requireNonNull(client, "client is null");
        this.mode = requireNonNull(mode, "mode is null");
        this.confirmTimeout = requireNonNull(confirmTimeout, "confirmTimeout is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(10)).build();
        this.forwardHost = hostAllowed();
        this.executor = Executors.newVirtualThreadPerTaskExecutor();
        this.server = HttpServer.create(bind, 1024);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Whether this JVM's HTTP client lets a request set {@code Host} (the property is read once, at first use). */
    private static boolean hostAllowed() {
        try {
            HttpRequest.newBuilder(URI.create("http://localhost/")).header("Host", "localhost");
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Starts a proxy on {@code bind} (port 0: any free one) in front of {@code upstream}. */
    public static RecordingProxy start(InetSocketAddress bind, URI upstream, CallRecorder recorder,
                                       AuditClient client, Mode mode, Duration confirmTimeout, Clock clock)
            throws IOException {
        return new RecordingProxy(bind, upstream, recorder, client, mode, confirmTimeout, clock);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        Instant time = clock.instant();
        try (exchange) {
            if (mode == Mode.FAIL_CLOSED && !client.reachable()) {
                reply(exchange, 503, "The audit trail is unavailable; the call was not forwarded.");
                return;
            }
            forward(exchange, time);
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.FINE, "proxied call failed: " + e);
        }
    }

    private void forward(HttpExchange exchange, Instant time) throws IOException {
        String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
        URI uri = exchange.getRequestURI();
        Map<String, List<String>> headers = new LinkedHashMap<>();
        exchange.getRequestHeaders().forEach((name, values) -> headers.put(name, new ArrayList<>(values)));
        String peer = exchange.getRemoteAddress().getAddress().getHostAddress();
        BodyPrefix requestBody = new BodyPrefix(recorder.maxBodyBytes());
        boolean[] requestFinished = {false};
        InputStream in = new FilterInputStream(exchange.getRequestBody()) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b < 0) {
                    requestFinished[0] = true;
                } else {
                    requestBody.add(b);
                }
                return b;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                int count = super.read(buffer, offset, length);
                if (count < 0) {
                    requestFinished[0] = true;
                } else {
                    requestBody.add(buffer, offset, count);
                }
                return count;
            }
        };
        String target = upstream.toString().replaceAll("/+$", "") + uri.getRawPath()
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(target)).method(method, body(exchange, in,
                method));
        for (Map.Entry<String, List<String>> header : headers.entrySet()) {
            String name = header.getKey().toLowerCase(Locale.ROOT);
            if (NOT_FORWARDED.contains(name) || (name.equals("host") && !forwardHost)) {
                continue;
            }
            for (String value : header.getValue()) {
                try {
                    request.header(header.getKey(), value);
                } catch (IllegalArgumentException e) {
                    // A value the JDK's client refuses (control characters) is not forwarded.
                }
            }
        }
        String forwardedFor = exchange.getRequestHeaders().getFirst("X-Forwarded-For");
        request.setHeader("X-Forwarded-For", forwardedFor == null ? peer : forwardedFor + ", " + peer);
        HttpResponse<InputStream> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException | RuntimeException e) {
            // RuntimeException: a header the client refuses (the server took it), a bad upstream URI.
            Exchange failed = new Exchange(time, method, uri.getRawPath(), Optional.ofNullable(uri.getRawQuery()),
                    headers, peer, Optional.empty(), requestBody.bytes(), requestFinished[0] ? requestBody.length()
                    : -1, 502, Map.of(), new byte[0], 0, Optional.of(e));
            client.send(recorder.record(failed));
            reply(exchange, 502, "The upstream could not be reached: " + e.getMessage());
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        Map<String, List<String>> responseHeaders = new LinkedHashMap<>();
        response.headers().map().forEach((name, values) -> {
            if (!NOT_FORWARDED.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
                responseHeaders.put(name, values);
                exchange.getResponseHeaders().put(name, values);
            }
        });
        long length = response.headers().firstValueAsLong("content-length").orElse(-1);
        boolean noBody = method.equals("HEAD") || response.statusCode() == 204 || response.statusCode() == 304
                || length == 0;
        if (length >= 0 && (method.equals("HEAD") || response.statusCode() == 304)) {
            // The length of the body a GET would get: the server writes no Content-Length of its own for these.
            exchange.getResponseHeaders().set("Content-Length", Long.toString(length));
        }
        BodyPrefix responseBody = new BodyPrefix(recorder.maxBodyBytes());
        if (mode == Mode.FAIL_CLOSED) {
            ByteArrayOutputStream held = new ByteArrayOutputStream();
            try (InputStream body = response.body()) {
                byte[] buffer = new byte[16 * 1024];
                for (int count; (count = body.read(buffer)) >= 0; ) {
                    responseBody.add(buffer, 0, count);
                    held.write(buffer, 0, count);
                }
            }
            byte[] record = recorder.record(exchange(time, method, uri, headers, peer, requestBody,
                    requestFinished[0], response.statusCode(), responseHeaders, responseBody));
            if (!confirmed(record)) {
                exchange.getResponseHeaders().clear();
                reply(exchange, 503, "The call's audit record was not accepted; its response is withheld.");
                return;
            }
            exchange.sendResponseHeaders(response.statusCode(), noBody ? -1 : held.size());
            if (!noBody) {
                held.writeTo(exchange.getResponseBody());
            }
            return;
        }
        exchange.sendResponseHeaders(response.statusCode(), noBody ? -1 : length < 0 ? 0 : length);
        try (InputStream body = response.body()) {
            if (!noBody) {
                OutputStream out = exchange.getResponseBody();
                byte[] buffer = new byte[16 * 1024];
                for (int count; (count = body.read(buffer)) >= 0; ) {
                    responseBody.add(buffer, 0, count);
                    out.write(buffer, 0, count);
                }
                out.flush();
            }
        } finally {
            client.send(recorder.record(exchange(time, method, uri, headers, peer, requestBody, requestFinished[0],
                    response.statusCode(), responseHeaders, responseBody)));
        }
    }

    private static Exchange exchange(Instant time, String method, URI uri, Map<String, List<String>> headers,
                                     String peer, BodyPrefix requestBody, boolean requestFinished, int status,
                                     Map<String, List<String>> responseHeaders, BodyPrefix responseBody) {
        return new Exchange(time, method, uri.getRawPath(), Optional.ofNullable(uri.getRawQuery()), headers, peer,
                Optional.empty(), requestBody.bytes(), requestFinished ? requestBody.length() : -1, status,
                responseHeaders, responseBody.bytes(), responseBody.length(), Optional.empty());
    }

    /** The request body, streamed: with its length when the client gave one, chunked otherwise. */
    private static HttpRequest.BodyPublisher body(HttpExchange exchange, InputStream in, String method) {
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        String chunked = exchange.getRequestHeaders().getFirst("Transfer-Encoding");
        if (length != null) {
            long bytes = Long.parseLong(length.trim());
            return bytes == 0 ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> in),
                    bytes);
        }
        if (chunked == null && NO_BODY_METHODS.contains(method)) {
            return HttpRequest.BodyPublishers.noBody();
        }
        return HttpRequest.BodyPublishers.ofInputStream(() -> in);
    }

    private boolean confirmed(byte[] record) {
        try {
            client.sendAndConfirm(record).get(confirmTimeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void reply(HttpExchange exchange, int status, String message) throws IOException {
        byte[] body = ("{\"message\":\"" + message.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }

    /** Stops taking calls, lets those in flight finish (up to 5 s). */
    @Override
    public void close() {
        server.stop(1);
        executor.shutdown();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
