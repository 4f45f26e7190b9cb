package cairn.delivery.objectstore.s3;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static java.util.Objects.requireNonNull;

/**
 * A TCP proxy on a free loopback port in front of an S3 server, that a test switches between behaving and failing as
 * a store does when it is down, slow or refusing:
 * <ul>
 * <li>{@link #pass()}: forwards every byte both ways (the initial mode);</li>
 * <li>{@link #refuse()}: stops listening, so new connections are refused, and resets the open ones;</li>
 * <li>{@link #stall()}: accepts connections and never answers, so clients time out;</li>
 * <li>{@link #failWith(int)}: answers every request itself with that HTTP status and an S3 error document
 * ({@code 503 SlowDown}, {@code 500 InternalError}, {@code 403 AccessDenied}...), then closes the connection. A
 * request that waits for {@code 100 Continue} is answered at once, before its body, as S3 refuses one (the JDK's URL
 * connection then shows the client the status but not the document).</li>
 * </ul>
 * A switch to another mode resets the connections opened in the one before, so no pooled connection keeps passing
 * (or stalling) after it. The proxy keeps its port through every switch: refusing closes the listening socket and
 * the next switch binds the same port again. Thread-safe; its threads are daemons, and {@link #close()} stops them.
 */
public final class FaultProxy implements AutoCloseable {
    private enum Mode { PASS, REFUSE, STALL, FAIL }

    /** What {@link #failWith} answers. */
    private record Failure(int status, String code, String message) {
    }

    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;
    private static final int REQUEST_READ_TIMEOUT_MILLIS = 10_000;
    private static final int DRAIN_TIMEOUT_MILLIS = 2_000;
    private static final int MAX_REQUEST_HEAD = 64 * 1024;

    private final InetSocketAddress target;
    private final int port;
    private final Object lock = new Object();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong requestIds = new AtomicLong();
    private Mode mode = Mode.PASS; // guarded by lock
    private Failure failure; // guarded by lock; set in mode FAIL
    private ServerSocket listener; // guarded by lock; null while refusing and once closed
    private boolean closed; // guarded by lock

    /** Starts a proxy, in mode {@link #pass()}, to {@code targetHost:targetPort}. */
    public FaultProxy(String targetHost, int targetPort) throws IOException {
        this.target = new InetSocketAddress(requireNonNull(targetHost, "targetHost is null"), targetPort);
        ServerSocket socket = newListener(0);
        this.port = socket.getLocalPort();
        synchronized (lock) {
            listen(socket);
        }
    }

    /** Starts a proxy, in mode {@link #pass()}, to the host and port of an endpoint such as moto's. */
    public FaultProxy(URI target) throws IOException {
        this(target.getHost(), target.getPort());
    }

    /** The proxy's address, {@code http://127.0.0.1:<port>}: give it to clients in place of the server's. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public int port() {
        return port;
    }

    /** How many connections the proxy has accepted, in every mode. */
    public long connections() {
        return connections.get();
    }

    /** Forwards connections to the target. */
    public void pass() {
        switchTo(Mode.PASS, null);
    }

    /** Refuses new connections (nothing listens on the port) and resets every open one. */
    public void refuse() {
        switchTo(Mode.REFUSE, null);
    }

    /** Accepts connections and holds them without answering, until the client gives up or the mode changes. */
    public void stall() {
        switchTo(Mode.STALL, null);
    }

    /**
     * Answers every request with {@code status} and the S3 error S3 sends with it: {@code 503 SlowDown},
     * {@code 500 InternalError}, {@code 403 AccessDenied}, {@code 404 NoSuchBucket}; {@code InternalError} for another
     * 5xx, {@code InvalidRequest} for another 4xx.
     */
    public void failWith(int status) {
        switch (status) {
            case 503 -> failWith(status, "SlowDown", "Please reduce your request rate.");
            case 500 -> failWith(status, "InternalError", "We encountered an internal error. Please try again.");
            case 403 -> failWith(status, "AccessDenied", "Access Denied");
            case 404 -> failWith(status, "NoSuchBucket", "The specified bucket does not exist");
            default -> failWith(status, status >= 500 ? "InternalError" : "InvalidRequest",
                    "Injected by the fault proxy");
        }
    }

    /** Answers every request with {@code status} and an S3 error document of that code and message. */
    public void failWith(int status, String code, String message) {
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("not an error status: " + status);
        }
        switchTo(Mode.FAIL, new Failure(status, requireNonNull(code, "code is null"),
                requireNonNull(message, "message is null")));
    }

    private void switchTo(Mode next, Failure nextFailure) {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the fault proxy is closed");
            }
            if (next == mode && Objects.equals(nextFailure, failure)) {
                return;
            }
            mode = next;
            failure = nextFailure;
            resetOpenConnections();
            if (next == Mode.REFUSE) {
                closeQuietly(listener);
                listener = null;
            } else if (listener == null) {
                try {
                    listen(newListener(port));
                } catch (IOException e) {
                    throw new UncheckedIOException("the fault proxy could not listen on port " + port + " again", e);
                }
            }
        }
    }

    private static ServerSocket newListener(int port) throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        try {
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
        return socket;
    }

    /** Holds {@code lock}. */
    private void listen(ServerSocket socket) {
        listener = socket;
        daemon("accept", () -> accept(socket));
    }

    private void accept(ServerSocket socket) {
        while (true) {
            Socket client;
            try {
                client = socket.accept();
            } catch (IOException e) {
                return; // closed: refusing, or the proxy is closed
            }
            Mode accepted;
            Failure answer;
            synchronized (lock) {
                if (listener != socket) {
                    reset(client);
                    return;
                }
                connections.incrementAndGet();
                open.add(client);
                accepted = mode;
                answer = failure;
            }
            switch (accepted) {
                case PASS -> daemon("pass", () -> forward(client));
                case STALL -> daemon("stall", () -> hold(client));
                case FAIL -> daemon("fail", () -> answer(client, answer));
                case REFUSE -> reset(client);
            }
        }
    }

    private void forward(Socket client) {
        Socket upstream = new Socket();
        try {
            upstream.connect(target, CONNECT_TIMEOUT_MILLIS);
        } catch (IOException e) {
            reset(client);
            closeQuietly(upstream);
            return;
        }
        synchronized (lock) {
            if (!open.contains(client)) { // reset by a switch while connecting
                closeQuietly(upstream);
                return;
            }
            open.add(upstream);
        }
        AtomicInteger directionsLeft = new AtomicInteger(2);
        daemon("pass-back", () -> pump(upstream, client, client, upstream, directionsLeft));
        pump(client, upstream, client, upstream, directionsLeft);
    }

    /** Copies {@code from} to {@code to} until the end, which it passes on; closes both ends once both are done. */
    private void pump(Socket from, Socket to, Socket client, Socket upstream, AtomicInteger directionsLeft) {
        byte[] buffer = new byte[64 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            for (int read; (read = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, read);
                out.flush();
            }
            to.shutdownOutput();
            if (directionsLeft.decrementAndGet() == 0) {
                release(client);
                release(upstream);
            }
        } catch (IOException e) {
            reset(client);
            reset(upstream);
        }
    }

    private void hold(Socket client) {
        try (InputStream in = client.getInputStream()) {
            byte[] buffer = new byte[8 * 1024];
            while (in.read(buffer) >= 0) {
                // What the client sends is read and dropped, so that its writes never block; nothing is answered.
            }
        } catch (IOException e) {
            // Reset by a switch, or by the client.
        }
        release(client);
    }

    private void answer(Socket client, Failure answer) {
        try {
            client.setSoTimeout(REQUEST_READ_TIMEOUT_MILLIS);
            InputStream in = client.getInputStream();
            String head = readHead(in);
            if (head.isEmpty()) {
                release(client);
                return;
            }
            String method = head.substring(0, Math.max(0, head.indexOf(' ')));
            long contentLength = header(head, "content-length").map(Long::parseLong).orElse(0L);
            boolean waitsToContinue = header(head, "expect").map(value -> value.equalsIgnoreCase("100-continue"))
                    .orElse(false);
            if (!waitsToContinue) {
                in.skipNBytes(contentLength);
            }
            String requestId = "FAULTPROXY" + requestIds.incrementAndGet();
            byte[] body = errorDocument(answer, requestId).getBytes(StandardCharsets.UTF_8);
            String response = "HTTP/1.1 " + answer.status() + " " + reason(answer.status()) + "\r\n"
                    + "Content-Type: application/xml\r\n"
                    + "Content-Length: " + body.length + "\r\n"
                    + "x-amz-request-id: " + requestId + "\r\n"
                    + "Connection: close\r\n"
                    + "\r\n";
            OutputStream out = client.getOutputStream();
            out.write(response.getBytes(StandardCharsets.US_ASCII));
            if (!method.equals("HEAD")) {
                out.write(body);
            }
            out.flush();
            client.shutdownOutput();
            // Whatever else the client sends (a chunked body) is read, so it sees the answer rather than a reset.
            client.setSoTimeout(DRAIN_TIMEOUT_MILLIS);
            in.transferTo(OutputStream.nullOutputStream());
            release(client);
        } catch (IOException | RuntimeException e) {
            reset(client);
        }
    }

    /** The request line and headers, without the blank line that ends them; empty when the client sent nothing. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < end.length) {
            int next = in.read();
            if (next < 0) {
                if (head.size() == 0) {
                    return "";
                }
                throw new IOException("the request ended inside its head");
            }
            head.write(next);
            matched = next == end[matched] ? matched + 1 : (next == '\r' ? 1 : 0);
            if (head.size() > MAX_REQUEST_HEAD) {
                throw new IOException("request head longer than " + MAX_REQUEST_HEAD + " bytes");
            }
        }
        return head.toString(StandardCharsets.ISO_8859_1).strip();
    }

    private static Optional<String> header(String head, String name) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().toLowerCase(Locale.ROOT).equals(name)) {
                return Optional.of(line.substring(colon + 1).strip());
            }
        }
        return Optional.empty();
    }

    private static String errorDocument(Failure answer, String requestId) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<Error><Code>" + escape(answer.code()) + "</Code><Message>" + escape(answer.message())
                + "</Message><RequestId>" + requestId + "</RequestId><HostId>cairn-fault-proxy</HostId>"
                + "</Error>";
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String reason(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 409 -> "Conflict";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> "Error";
        };
    }

    /** Holds {@code lock}. */
    private void resetOpenConnections() {
        for (Socket socket : open) {
            reset(socket);
        }
    }

    /** Closes abruptly (an RST, not a FIN), as a crashed server's connections end. */
    private void reset(Socket socket) {
        open.remove(socket);
        try {
            socket.setSoLinger(true, 0);
        } catch (IOException e) {
            // Closed already.
        }
        closeQuietly(socket);
    }

    private void release(Socket socket) {
        open.remove(socket);
        closeQuietly(socket);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            // Nothing to do: it is going away.
        }
    }

    private void daemon(String role, Runnable task) {
        Thread thread = new Thread(task, "fault-proxy-" + port + "-" + role);
        thread.setDaemon(true);
        thread.start();
    }

    /** Stops listening and resets every open connection; the proxy's threads then end. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            closeQuietly(listener);
            listener = null;
            resetOpenConnections();
        }
    }

    @Override
    public String toString() {
        synchronized (lock) {
            return "fault proxy " + endpoint() + " to " + target + ", " + mode.name().toLowerCase(Locale.ROOT);
        }
    }
}
