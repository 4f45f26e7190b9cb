package cairn.bench.measure;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Closed-loop clients: each thread makes its next call as soon as the previous one returned, for a warm-up then a
 * measured period (or until a number of units were counted), and records the latency of every measured call. The
 * first failure of any client stops the run.
 */
public final class ClosedLoop {
    /** One client's connection. */
    public interface Client extends AutoCloseable {
        /** Makes call number {@code call} (0, 1, 2, ...) and returns how many units it completed (events, lookups). */
        long call(int call) throws Exception;

        @Override
        void close() throws Exception;

        /** A client that makes its calls with {@code calls} and closes {@code connection} at the end. */
        static Client of(Call calls, AutoCloseable connection) {
            return new Client() {
                @Override
                public long call(int call) throws Exception {
                    return calls.call(call);
                }

                @Override
                public void close() throws Exception {
                    connection.close();
                }
            };
        }
    }

    /** What one call does; see {@link Client#call(int)}. */
    public interface Call {
        long call(int call) throws Exception;
    }

    /** Opens the connection of client number {@code client}. */
    public interface Opener {
        Client open(int client) throws Exception;
    }

    /** What the measured period gave: units completed, its length, and the latency of its calls. */
    public record Outcome(int clients, long units, double seconds, double p50Millis, double p99Millis) {
        public double perSecond() {
            return units / seconds;
        }
    }

    private ClosedLoop() {
    }

    public static Outcome run(int clients, Opener opener, double warmUpSeconds, double measureSeconds, long maxUnits)
            throws InterruptedException {
        long measureFrom = System.nanoTime() + (long) (warmUpSeconds * 1e9);
        long measureUntil = measureFrom + (long) (measureSeconds * 1e9);
        AtomicLong units = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long[] stoppedAt = new long[clients];
        List<Latencies> latencies = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            Latencies mine = new Latencies();
            latencies.add(mine);
            Thread thread = new Thread(() -> {
                try (Client connection = opener.open(client)) {
                    for (int call = 0; ; call++) {
                        long sent = System.nanoTime();
                        if (sent >= measureUntil || units.get() >= maxUnits || failure.get() != null) {
                            break;
                        }
                        long done = connection.call(call);
                        long answered = System.nanoTime();
                        if (sent >= measureFrom) {
                            mine.record(answered - sent);
                            units.addAndGet(done);
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
                stoppedAt[client] = System.nanoTime();
            }, "closed-loop-client-" + c);
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("a client failed", failure.get());
        }
        long end = measureUntil;
        for (long stopped : stoppedAt) {
            end = Math.max(end, stopped);
        }
        Latencies all = Latencies.merge(latencies);
        return new Outcome(clients, units.get(), (end - measureFrom) / 1e9, all.percentileMillis(0.50),
                all.percentileMillis(0.99));
    }
}
