package cairn.bench.http;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * A minimal HTTP/1.1 client over one kept-alive socket, so that a load generator on a 2-core machine spends as
 * little CPU as it can on its own side (java.net.http costs several times more per request). It sends a POST with
 * a fixed Content-Length and reads a response framed by Content-Length or chunked encoding. Not thread-safe: one
 * per client thread.
 */
public final class LoopbackHttp implements AutoCloseable {
    /** The region requests are signed for. */
    public static final String REGION = "us-east-1";
    /** The extra headers of a CloudTrail LookupEvents call over AWS JSON 1.1. */
    public static final String LOOKUP_EVENTS_HEADERS =
            "X-Amz-Target: com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents\r\n"
                    + "Content-Type: application/x-amz-json-1.1\r\n";
    /** The extra headers of the native batch endpoint, {@code POST /records}. */
    public static final String RECORDS_HEADERS = "Content-Type: application/json\r\n";

    private final String host;
    private final int port;
    private final SigV4Signer signer;
    private final boolean unsignedPayload;
    private Socket socket;
    private OutputStream out;
    private InputStream in;

    /** A client that signs every request with {@code credentials} (SigV4, service {@code cloudtrail}). */
    public LoopbackHttp(String host, int port, SigV4Signer.Credentials credentials) {
        this(host, port, credentials, false);
    }

    /** As {@link #LoopbackHttp(String, int, SigV4Signer.Credentials)}; see {@link SigV4Signer#headers}. */
    public LoopbackHttp(String host, int port, SigV4Signer.Credentials credentials, boolean unsignedPayload) {
        this.host = host;
        this.port = port;
        this.signer = new SigV4Signer(credentials, REGION);
        this.unsignedPayload = unsignedPayload;
    }

    /** A response: its status and body. */
    public record Response(int status, byte[] body) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** POSTs {@code body} with the extra header lines {@code headers} (each ending in CRLF). */
    public Response post(String path, String headers, byte[] body) throws IOException {
        if (socket == null) {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), 5000);
            socket.setSoTimeout(60_000);
            out = socket.getOutputStream();
            in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
        }
        try {
            String authority = host + ":" + port;
            String head = "POST " + path + " HTTP/1.1\r\nHost: " + authority + "\r\n"
                    + signer.headers("cloudtrail", authority, path, body, Instant.now(), unsignedPayload) + headers
                    + "Content-Length: " + body.length + "\r\n\r\n";
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            return readResponse();
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    private Response readResponse() throws IOException {
        HttpResponses.Head head = HttpResponses.head(HttpResponses.line(in), in);
        ByteArrayOutputStream body = new ByteArrayOutputStream(head.length() > 0 ? (int) head.length() : 1024);
        HttpResponses.body(head, in, body);
        if (head.closes()) {
            close();
        }
        return new Response(head.status(), body.toByteArray());
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            socket = null;
        }
    }
}
