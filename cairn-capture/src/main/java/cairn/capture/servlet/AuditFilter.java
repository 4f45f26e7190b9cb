package cairn.capture.servlet;

import cairn.capture.AuditClient;
import cairn.capture.BodyPrefix;
import cairn.capture.CallRecorder;
import cairn.capture.Exchange;
import cairn.capture.Mode;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import java.util.logging.Level;
import java.util.logging.Logger;

import static java.util.Objects.requireNonNull;

/**
 * A servlet filter that records every HTTP call it sees as a CloudTrail event: one {@code addFilter} and a service
 * has an audit trail. The request body streams to the service as it comes, its first bytes kept for the record; so
 * does the response body, except in {@link Mode#FAIL_CLOSED}, where the response is held until Cairn has accepted the
 * record, and replaced by a 503 if it does not.
 */
public final class AuditFilter implements Filter {
    private static final Logger LOG = Logger.getLogger(AuditFilter.class.getName());
    /**
     * Calls whose bodies add up to at most this are recorded on the audit client's sender thread; bigger ones on the
     * caller's, so that the queue holds small things only.
     */
    static final int LAZY_BODY_BYTES = 4096;
    private final CallRecorder recorder;
    private final AuditClient client;
    private final Mode mode;
    private final Duration confirmTimeout;
    private final Clock clock;

    public AuditFilter(CallRecorder recorder, AuditClient client, Mode mode, Duration confirmTimeout, Clock clock) {
        this.recorder = requireNonNull(recorder, "recorder is null");
        this.client = requireNonNull(client, "client is null");
        this.mode = requireNonNull(mode, "mode is null");
        this.confirmTimeout = requireNonNull(confirmTimeout, "confirmTimeout is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    /** Fail-open, with the system clock. */
    public AuditFilter(CallRecorder recorder, AuditClient client) {
        this(recorder, client, Mode.FAIL_OPEN, Duration.ofSeconds(5), Clock.systemUTC());
    }

    @Override
    public void doFilter(ServletRequest servletRequest, ServletResponse servletResponse, FilterChain chain)
            throws IOException, ServletException {
        if (!(servletRequest instanceof HttpServletRequest request)
                || !(servletResponse instanceof HttpServletResponse response)) {
            chain.doFilter(servletRequest, servletResponse);
            return;
        }
        if (mode == Mode.FAIL_CLOSED && !client.reachable()) {
            response.sendError(HttpServletResponse.SC_SERVICE_UNAVAILABLE, "The audit trail is unavailable; the "
                    + "call was not run.");
            return;
        }
        Instant time = clock.instant();
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (String name : Collections.list(request.getHeaderNames())) {
            headers.put(name, Collections.list(request.getHeaders(name)));
        }
        CapturingRequest capturingRequest = new CapturingRequest(request, recorder.maxBodyBytes());
        CapturingResponse capturingResponse = new CapturingResponse(response, recorder.maxBodyBytes(),
                mode == Mode.FAIL_CLOSED);
        Optional<Throwable> failure = Optional.empty();
        try {
            chain.doFilter(capturingRequest, capturingResponse);
        } catch (IOException | ServletException | RuntimeException | Error e) {
            failure = Optional.of(e instanceof ServletException servlet && servlet.getRootCause() != null
                    ? servlet.getRootCause() : e);
            throw e;
        } finally {
            capturingResponse.flushWriter();
            Map<String, List<String>> responseHeaders = new LinkedHashMap<>();
            for (String name : response.getHeaderNames()) {
                responseHeaders.put(name, new ArrayList<>(response.getHeaders(name)));
            }
            Exchange exchange = new Exchange(time, request.getMethod(), request.getRequestURI(),
                    Optional.ofNullable(request.getQueryString()), headers, request.getRemoteAddr(),
                    Optional.ofNullable(request.getUserPrincipal()).map(java.security.Principal::getName),
                    capturingRequest.body.bytes(), capturingRequest.finished ? capturingRequest.body.length()
                    : request.getContentLengthLong(), failure.isPresent() ? 500 : capturingResponse.getStatus(),
                    responseHeaders, capturingResponse.body.bytes(), capturingResponse.body.length(), failure);
            if (mode == Mode.FAIL_OPEN || failure.isPresent()) {
                // The call has run: nothing about its record may change its answer (or hide its exception).
                try {
                    if (exchange.requestBody().length + exchange.responseBody().length <= LAZY_BODY_BYTES) {
                        // Made on the sender thread: the caller's thread only hands the call over.
                        client.send(() -> recorder.record(exchange));
                    } else {
                        client.send(recorder.record(exchange));
                    }
                } catch (RuntimeException e) {
                    LOG.log(Level.SEVERE, "could not record " + request.getMethod() + " " + request.getRequestURI(),
                            e);
                }
            } else {
                confirm(recorder.record(exchange), response, capturingResponse);
            }
        }
    }

    /** Releases the held response once Cairn accepted the record; else replaces it by a 503. */
    private void confirm(byte[] record, HttpServletResponse response, CapturingResponse held) throws IOException {
        boolean accepted;
        try {
            client.sendAndConfirm(record).get(confirmTimeout.toMillis(), TimeUnit.MILLISECONDS);
            accepted = true;
        } catch (ExecutionException | TimeoutException e) {
            accepted = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            accepted = false;
        }
        if (accepted) {
            held.release();
        } else if (!response.isCommitted()) {
            response.reset();
            response.sendError(HttpServletResponse.SC_SERVICE_UNAVAILABLE, "The call's audit record was not "
                    + "accepted; its response is withheld.");
        }
    }

    /** The request, its body's first bytes kept as the service reads it. */
    private static final class CapturingRequest extends HttpServletRequestWrapper {
        final BodyPrefix body;
        boolean finished;
        private ServletInputStream stream;
        private BufferedReader reader;

        CapturingRequest(HttpServletRequest request, int limit) {
            super(request);
            this.body = new BodyPrefix(limit);
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (stream == null) {
                ServletInputStream in = super.getInputStream();
                stream = new ServletInputStream() {
                    @Override
                    public int read() throws IOException {
                        int b = in.read();
                        if (b < 0) {
                            finished = true;
                        } else {
                            body.add(b);
                        }
                        return b;
                    }

                    @Override
                    public int read(byte[] buffer, int offset, int length) throws IOException {
                        int count = in.read(buffer, offset, length);
                        if (count < 0) {
                            finished = true;
                        } else {
                            body.add(buffer, offset, count);
                        }
                        return count;
                    }

                    @Override
                    public boolean isFinished() {
                        return in.isFinished();
                    }

                    @Override
                    public boolean isReady() {
                        return in.isReady();
                    }

                    @Override
                    public void setReadListener(ReadListener listener) {
                        in.setReadListener(listener);
                    }
                };
            }
            return stream;
        }

        @Override
        public BufferedReader getReader() throws IOException {
            if (reader == null) {
                String encoding = getCharacterEncoding();
                Charset charset = encoding == null ? StandardCharsets.UTF_8 : Charset.forName(encoding);
                reader = new BufferedReader(new InputStreamReader(getInputStream(), charset));
            }
            return reader;
        }
    }

    /**
     * The response, its body's first bytes kept as the service writes it; when {@code hold}, the whole body is held
     * back until {@link #release()}.
     */
    private static final class CapturingResponse extends HttpServletResponseWrapper {
        final BodyPrefix body;
        private final boolean hold;
        private final ByteArrayOutputStream held = new ByteArrayOutputStream();
        private ServletOutputStream stream;
        private PrintWriter writer;

        CapturingResponse(HttpServletResponse response, int limit, boolean hold) {
            super(response);
            this.body = new BodyPrefix(limit);
            this.hold = hold;
        }

        @Override
        public ServletOutputStream getOutputStream() throws IOException {
            if (stream == null) {
                ServletOutputStream out = hold ? null : super.getOutputStream();
                stream = new ServletOutputStream() {
                    @Override
                    public void write(int b) throws IOException {
                        body.add(b);
                        if (hold) {
                            held.write(b);
                        } else {
                            out.write(b);
                        }
                    }

                    @Override
                    public void write(byte[] buffer, int offset, int length) throws IOException {
                        body.add(buffer, offset, length);
                        if (hold) {
                            held.write(buffer, offset, length);
                        } else {
                            out.write(buffer, offset, length);
                        }
                    }

                    @Override
                    public void flush() throws IOException {
                        if (!hold) {
                            out.flush();
                        }
                    }

                    @Override
                    public boolean isReady() {
                        return hold || out.isReady();
                    }

                    @Override
                    public void setWriteListener(WriteListener listener) {
                        if (!hold) {
                            out.setWriteListener(listener);
                        }
                    }
                };
            }
            return stream;
        }

        @Override
        public PrintWriter getWriter() throws IOException {
            if (writer == null) {
                String encoding = getCharacterEncoding();
                Charset charset = encoding == null ? StandardCharsets.ISO_8859_1 : Charset.forName(encoding);
                writer = new PrintWriter(new OutputStreamWriter(getOutputStream(), charset));
            }
            return writer;
        }

        @Override
        public void flushBuffer() throws IOException {
            flushWriter();
            if (!hold) {
                super.flushBuffer();
            }
        }

        void flushWriter() {
            if (writer != null) {
                writer.flush();
            }
        }

        /** Writes the held body to the client. */
        void release() throws IOException {
            if (hold && held.size() > 0) {
                ServletOutputStream out = super.getOutputStream();
                held.writeTo(out);
                out.flush();
            }
        }
    }
}
