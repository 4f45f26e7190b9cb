package cairn.capture.httpserver;

import cairn.capture.AuditClient;
import cairn.capture.BodyPrefix;
import cairn.capture.CallRecorder;
import cairn.capture.Exchange;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpPrincipal;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import java.util.logging.Level;
import java.util.logging.Logger;

import static java.util.Objects.requireNonNull;

/**
 * Wraps a JDK {@link HttpHandler} so that every call it serves is recorded as a CloudTrail event (fail-open: the record
 * is sent, or spilled, after the call). Bodies stream through; their first bytes are kept for the record.
 */
public final class AuditedHandler implements HttpHandler {
    private static final Logger LOG = Logger.getLogger(AuditedHandler.class.getName());
    private final HttpHandler handler;
    private final CallRecorder recorder;
    private final AuditClient client;
    private final Clock clock;

    public AuditedHandler(HttpHandler handler, CallRecorder recorder, AuditClient client, Clock clock) {
        this.handler = requireNonNull(handler, "handler is null");
        this.recorder = requireNonNull(recorder, "recorder is null");
        this.client = requireNonNull(client, "client is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    public AuditedHandler(HttpHandler handler, CallRecorder recorder, AuditClient client) {
        this(handler, recorder, client, Clock.systemUTC());
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        Instant time = clock.instant();
        Map<String, List<String>> headers = new LinkedHashMap<>();
        exchange.getRequestHeaders().forEach((name, values) -> headers.put(name, new ArrayList<>(values)));
        Capturing capturing = new Capturing(exchange, recorder.maxBodyBytes());
        Optional<Throwable> failure = Optional.empty();
        try {
            handler.handle(capturing);
        } catch (IOException | RuntimeException | Error e) {
            failure = Optional.of(e);
            throw e;
        } finally {
            Map<String, List<String>> responseHeaders = new LinkedHashMap<>();
            exchange.getResponseHeaders().forEach((name, values) -> responseHeaders.put(name,
                    new ArrayList<>(values)));
            URI uri = exchange.getRequestURI();
            InetSocketAddress peer = exchange.getRemoteAddress();
            int status = failure.isPresent() ? 500 : Math.max(capturing.status, 0);
            record(new Exchange(time, exchange.getRequestMethod(), uri.getRawPath(),
                    Optional.ofNullable(uri.getRawQuery()), headers,
                    peer.getAddress() == null ? peer.getHostString() : peer.getAddress().getHostAddress(),
                    Optional.ofNullable(exchange.getPrincipal()).map(HttpPrincipal::getUsername),
                    capturing.requestBody.bytes(), capturing.requestFinished ? capturing.requestBody.length() : -1,
                    status, responseHeaders, capturing.responseBody.bytes(), capturing.responseBody.length(),
                    failure));
        }
    }

    /** Sends the call's record; the call has run, so nothing about its record may change its answer. */
    private void record(Exchange exchange) {
        try {
            if (exchange.requestBody().length + exchange.responseBody().length <= 4096) {
                // Made on the sender thread: the handler's thread only hands the call over.
                client.send(() -> recorder.record(exchange));
            } else {
                client.send(recorder.record(exchange));
            }
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "could not record " + exchange.method() + " " + exchange.path(), e);
        }
    }

    /** The exchange, handing the handler streams that keep the first bytes of each body. */
    private static final class Capturing extends HttpExchange {
        private final HttpExchange exchange;
        final BodyPrefix requestBody;
        final BodyPrefix responseBody;
        boolean requestFinished;
        int status = -1;
        private final InputStream in;
        private final OutputStream out;

        Capturing(HttpExchange exchange, int limit) {
            this.exchange = exchange;
            this.requestBody = new BodyPrefix(limit);
            this.responseBody = new BodyPrefix(limit);
            this.in = new FilterInputStream(exchange.getRequestBody()) {
                @Override
                public int read() throws IOException {
                    int b = super.read();
                    if (b < 0) {
                        requestFinished = true;
                    } else {
                        requestBody.add(b);
                    }
                    return b;
                }

                @Override
                public int read(byte[] buffer, int offset, int length) throws IOException {
                    int count = super.read(buffer, offset, length);
                    if (count < 0) {
                        requestFinished = true;
                    } else {
                        requestBody.add(buffer, offset, count);
                    }
                    return count;
                }
            };
            this.out = new FilterOutputStream(exchange.getResponseBody()) {
                @Override
                public void write(int b) throws IOException {
                    responseBody.add(b);
                    out.write(b);
                }

                @Override
                public void write(byte[] buffer, int offset, int length) throws IOException {
                    responseBody.add(buffer, offset, length);
                    out.write(buffer, offset, length);
                }
            };
        }

        @Override
        public Headers getRequestHeaders() {
            return exchange.getRequestHeaders();
        }

        @Override
        public Headers getResponseHeaders() {
            return exchange.getResponseHeaders();
        }

        @Override
        public URI getRequestURI() {
            return exchange.getRequestURI();
        }

        @Override
        public String getRequestMethod() {
            return exchange.getRequestMethod();
        }

        @Override
        public HttpContext getHttpContext() {
            return exchange.getHttpContext();
        }

        @Override
        public void close() {
            exchange.close();
        }

        @Override
        public InputStream getRequestBody() {
            return in;
        }

        @Override
        public OutputStream getResponseBody() {
            return out;
        }

        @Override
        public void sendResponseHeaders(int code, long length) throws IOException {
            status = code;
            exchange.sendResponseHeaders(code, length);
        }

        @Override
        public InetSocketAddress getRemoteAddress() {
            return exchange.getRemoteAddress();
        }

        @Override
        public int getResponseCode() {
            return exchange.getResponseCode();
        }

        @Override
        public InetSocketAddress getLocalAddress() {
            return exchange.getLocalAddress();
        }

        @Override
        public String getProtocol() {
            return exchange.getProtocol();
        }

        @Override
        public Object getAttribute(String name) {
            return exchange.getAttribute(name);
        }

        @Override
        public void setAttribute(String name, Object value) {
            exchange.setAttribute(name, value);
        }

        @Override
        public void setStreams(InputStream input, OutputStream output) {
            exchange.setStreams(input, output);
        }

        @Override
        public HttpPrincipal getPrincipal() {
            return exchange.getPrincipal();
        }
    }
}
