package cairn.bench.capture;

import cairn.bench.http.HttpResponses;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * An open-loop HTTP/1.1 load generator: request {@code i} is due at {@code start + i / rate}, whatever became of the
 * ones before it, and its latency is counted from that due time to the last byte of the answer, so that a stall of the
 * server shows in every request it delays (no coordinated omission). One scheduler thread hands each due request to a
 * pool of platform threads (blocking sockets: no poller hop); each takes a kept-alive connection from a shared pool
 * (most recently used first, at most 32 kept idle), or opens one. The request is pre-built bytes; the answer is read
 * by Content-Length or chunks.
 */
final class OpenLoop implements AutoCloseable {
    private final String host;
    private final int port;
    private final byte[] request;
    /**
     * The most idle connections kept: after a burst the rest are closed, as clients' pools do, so that the server
     * never holds 200 idle ones (the JDK's server then closes every connection after its answer, without saying so).
     */
    private static final int MAX_IDLE = 32;

    private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();
    private final AtomicInteger idleCount = new AtomicInteger();
    private final AtomicInteger opened = new AtomicInteger();
    private final AtomicInteger retried = new AtomicInteger();
    private final ExecutorService workers = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "open-loop-worker");
        thread.setDaemon(true);
        return thread;
    });

    /** A client of {@code host:port} sending {@code method path} with the headers and body. */
    OpenLoop(String host, int port, String method, String path, Map<String, String> headers, byte[] body) {
        this.host = host;
        this.port = port;
        StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: " + host + ":" + port
                + "\r\n");
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
        byte[] headBytes = head.toString().getBytes(StandardCharsets.US_ASCII);
        request = Arrays.copyOf(headBytes, headBytes.length + body.length);
        System.arraycopy(body, 0, request, headBytes.length, body.length);
    }

    /** What a run measured: latencies (ns) of the requests due after the settling time, sorted. */
    record Run(long[] latencies, int total, int errors, int unexpected, double seconds, int connections,
               int retried) {
        /** Requests answered (settling ones included). */
        int answered() {
            return total - errors;
        }

        double percentileMillis(double fraction) {
            if (latencies.length == 0) {
                return Double.NaN;
            }
            int index = (int) Math.min(latencies.length - 1, Math.ceil(fraction * latencies.length) - 1);
            return latencies[Math.max(0, index)] / 1e6;
        }

        double maxMillis() {
            return latencies.length == 0 ? Double.NaN : latencies[latencies.length - 1] / 1e6;
        }

        double rate() {
            return latencies.length / seconds;
        }
    }

    /**
     * Sends {@code rate} requests a second for {@code settleSeconds + seconds}; measures those due in the last
     * {@code seconds}; waits for every answer. {@code expectedStatus} is the status a good answer has.
     */
    Run run(int rate, double settleSeconds, double seconds, int expectedStatus) throws InterruptedException {
        long interval = 1_000_000_000L / rate;
        int settle = (int) Math.round(settleSeconds * rate);
        int total = settle + (int) Math.round(seconds * rate);
        long[] latencies = new long[total];
        AtomicInteger errors = new AtomicInteger();
        AtomicInteger unexpected = new AtomicInteger();
        AtomicLong done = new AtomicLong();
        int openedBefore = opened.get();
        int retriedBefore = retried.get();
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
        for (int i = 0; i < total; i++) {
            long due = start + i * interval;
            for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
            int index = i;
            workers.execute(() -> {
                try {
                    int status = call();
                    latencies[index] = System.nanoTime() - due;
                    if (status != expectedStatus && unexpected.incrementAndGet() <= 3) {
                        System.err.println("unexpected status " + status);
                    }
                } catch (IOException | RuntimeException e) {
                    latencies[index] = System.nanoTime() - due;
                    if (errors.incrementAndGet() <= 3) {
                        System.err.println("request failed: " + e);
                    }
                } finally {
                    done.incrementAndGet();
                }
            });
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (done.get() < total && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        if (done.get() < total) {
            throw new IllegalStateException((total - done.get()) + " request(s) unanswered after 60 s");
        }
        long[] measured = Arrays.copyOfRange(latencies, settle, total);
        Arrays.sort(measured);
        return new Run(measured, total, errors.get(), unexpected.get(), seconds, opened.get() - openedBefore,
                retried.get() - retriedBefore);
    }

    /**
     * One request on a pooled connection; its status. A pooled connection the server closed while it was idle (the
     * JDK's server keeps at most 200 idle ones) is retried once on a new one, as HTTP clients do.
     */
    private int call() throws IOException {
        Connection connection = idle.pollFirst();
        boolean pooled = connection != null;
        if (pooled) {
            idleCount.decrementAndGet();
        }
        if (!pooled) {
            connection = new Connection();
            opened.incrementAndGet();
        }
        try {
            return exchange(connection);
        } catch (IOException e) {
            if (!pooled || connection.answered) {
                throw e;
            }
            retried.incrementAndGet();
            Connection fresh = new Connection();
            opened.incrementAndGet();
            return exchange(fresh);
        }
    }

    private int exchange(Connection connection) throws IOException {
        connection.answered = false;
        try {
            connection.out.write(request);
            connection.out.flush();
            Answer answer = connection.read();
            if (answer.keepAlive && idleCount.incrementAndGet() <= MAX_IDLE) {
                idle.addFirst(connection);
            } else {
                if (answer.keepAlive) {
                    idleCount.decrementAndGet();
                }
                connection.close();
            }
            return answer.status;
        } catch (IOException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    /** Requests retried on a new connection because their pooled one had been closed. */
    int retried() {
        return retried.get();
    }

    @Override
    public void close() {
        workers.shutdownNow();
        for (Connection connection; (connection = idle.pollFirst()) != null; ) {
            idleCount.decrementAndGet();
            connection.close();
        }
    }

    private record Answer(int status, boolean keepAlive) {
    }

    private final class Connection {
        private final Socket socket = new Socket();
        private final OutputStream out;
        private final InputStream in;
        /** Whether the answer being read had begun: a failure after that is no stale connection. */
        boolean answered;

        Connection() throws IOException {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), 5000);
            socket.setSoTimeout(30_000);
            out = socket.getOutputStream();
            in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
        }

        Answer read() throws IOException {
            answered = false;
            String status = HttpResponses.line(in);
            answered = true;
            HttpResponses.Head head = HttpResponses.head(status, in);
            HttpResponses.body(head, in, OutputStream.nullOutputStream());
            return new Answer(head.status(), !head.closes());
        }

        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
