package cairn.bench.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** Reading HTTP/1.1 responses off a socket, for the benchmarks' own clients: the head, then the body, whole. */
public final class HttpResponses {
    private HttpResponses() {
    }

    /**
     * A response's head: its status, its length (-1 when not given), whether its body is chunked, and whether the
     * connection ends after it ({@code Connection: close}, or a body that runs to the end of the connection).
     */
    public record Head(int status, long length, boolean chunked, boolean closes) {
    }

    /** Reads the header lines after {@code statusLine} (read already, see {@link #line}). */
    public static Head head(String statusLine, InputStream in) throws IOException {
        if (!statusLine.startsWith("HTTP/1.1 ")) {
            throw new IOException("unexpected status line: " + statusLine);
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        long length = -1;
        boolean chunked = false;
        boolean closes = false;
        for (String header = line(in); !header.isEmpty(); header = line(in)) {
            int colon = header.indexOf(':');
            String name = header.substring(0, colon).trim();
            String value = header.substring(colon + 1).trim();
            if (name.equalsIgnoreCase("Content-Length")) {
                length = Long.parseLong(value);
            } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                chunked = value.equalsIgnoreCase("chunked");
            } else if (name.equalsIgnoreCase("Connection")) {
                closes = value.equalsIgnoreCase("close");
            }
        }
        return new Head(status, length, chunked, closes || (!chunked && length < 0));
    }

    /** Reads the body the head announces into {@code sink} ({@link OutputStream#nullOutputStream()} to skip it). */
    public static void body(Head head, InputStream in, OutputStream sink) throws IOException {
        byte[] buffer = new byte[8192];
        if (head.chunked()) {
            for (long size = Long.parseLong(line(in).split(";")[0].trim(), 16); size > 0;
                 size = Long.parseLong(line(in).split(";")[0].trim(), 16)) {
                copy(in, size, sink, buffer);
                line(in);
            }
            while (!line(in).isEmpty()) {
                // trailers
            }
        } else if (head.length() >= 0) {
            copy(in, head.length(), sink, buffer);
        } else {
            for (int count; (count = in.read(buffer)) >= 0; ) {
                sink.write(buffer, 0, count);
            }
        }
    }

    private static void copy(InputStream in, long bytes, OutputStream sink, byte[] buffer) throws IOException {
        for (long left = bytes; left > 0; ) {
            int count = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (count < 0) {
                throw new IOException("connection closed in the middle of a response");
            }
            sink.write(buffer, 0, count);
            left -= count;
        }
    }

    /** One line, without its CRLF. */
    public static String line(InputStream in) throws IOException {
        StringBuilder text = new StringBuilder(64);
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("connection closed");
            }
            if (b != '\r') {
                text.append((char) b);
            }
        }
        return text.toString();
    }
}
