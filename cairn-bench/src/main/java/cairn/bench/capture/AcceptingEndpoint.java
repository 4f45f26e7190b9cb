package cairn.bench.capture;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A stand-in for Cairn's {@code POST /records} that accepts every batch at once (200, nothing checked or stored), so
 * that an {@link cairn.capture.AuditClient} sends as fast as it can without a real server's cost on the same cores.
 */
final class AcceptingEndpoint implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor;
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();

    private AcceptingEndpoint() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        executor = Executors.newFixedThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, "accepting-endpoint");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/", exchange -> {
            try (exchange; InputStream in = exchange.getRequestBody()) {
                bytes.addAndGet(in.transferTo(OutputSink.INSTANCE));
                batches.incrementAndGet();
                byte[] answer = "{}".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, answer.length);
                exchange.getResponseBody().write(answer);
            }
        });
        server.start();
    }

    static AcceptingEndpoint start() throws IOException {
        return new AcceptingEndpoint();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    long batches() {
        return batches.get();
    }

    long bytes() {
        return bytes.get();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    /** Discards what is written. */
    private static final class OutputSink extends java.io.OutputStream {
        static final OutputSink INSTANCE = new OutputSink();

        @Override
        public void write(int b) {
        }

        @Override
        public void write(byte[] buffer, int offset, int length) {
        }
    }
}
