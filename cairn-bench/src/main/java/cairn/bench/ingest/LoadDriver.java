package cairn.bench.ingest;

import cairn.bench.events.SyntheticEvents;
import cairn.bench.measure.Latencies;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * Runs closed-loop clients: each thread sends its next batch as soon as the previous one was acknowledged, for a
 * warm-up then a measured period (or until a number of events), and records each batch's acknowledgement latency.
 * Batches are built before the run and restamped in place (time now, fresh event IDs) before each send, so the
 * clients spend almost no CPU making events.
 */
final class LoadDriver {
    /** Sends one batch and returns once the server acknowledged it; throws when it did not. */
    interface Sender extends AutoCloseable {
        void send(SyntheticEvents.Batch batch) throws Exception;

        @Override
        void close() throws Exception;
    }

    /** What a measured period gave. */
    record Result(int clients, long events, double seconds, double p50Millis, double p99Millis) {
        double eventsPerSecond() {
            return events / seconds;
        }

        @Override
        public String toString() {
            return String.format("%d client(s): %,.0f events/s (%,d events in %.1f s), ack latency per batch p50 %.2f ms,"
                    + " p99 %.2f ms", clients, eventsPerSecond(), events, seconds, p50Millis, p99Millis);
        }
    }

    private LoadDriver() {
    }

    /**
     * @param pools one list of pre-built batches per client
     * @param senderFactory opens a client's connection
     * @param maxEvents stop measuring once this many events were acknowledged (the run is bounded in count too)
     */
    static Result run(List<List<SyntheticEvents.Batch>> pools, Function<Integer, Sender> senderFactory,
                      double warmUpSeconds, double measureSeconds, long maxEvents) throws InterruptedException {
        int clients = pools.size();
        AtomicLong serials = new AtomicLong(System.nanoTime() & 0xFFFF_FFFFL << 8);
        AtomicLong measuredEvents = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long start = System.nanoTime();
        long measureFrom = start + (long) (warmUpSeconds * 1e9);
        long measureUntil = measureFrom + (long) (measureSeconds * 1e9);
        long[] stoppedAt = new long[clients];
        List<Latencies> latencies = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            Latencies mine = new Latencies();
            latencies.add(mine);
            Thread thread = new Thread(() -> {
                List<SyntheticEvents.Batch> pool = pools.get(client);
                try (Sender sender = senderFactory.apply(client)) {
                    for (int i = 0; ; i++) {
                        SyntheticEvents.Batch batch = pool.get(i % pool.size());
                        batch.restamp(System.currentTimeMillis() / 1000, serials.getAndAdd(batch.size()));
                        long sent = System.nanoTime();
                        if (sent >= measureUntil || measuredEvents.get() >= maxEvents || failure.get() != null) {
                            break;
                        }
                        sender.send(batch);
                        long acknowledged = System.nanoTime();
                        if (sent >= measureFrom) {
                            mine.record(acknowledged - sent);
                            measuredEvents.addAndGet(batch.size());
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
                stoppedAt[client] = System.nanoTime();
            }, "load-client-" + c);
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("a client failed", failure.get());
        }
        long end = 0;
        for (long stopped : stoppedAt) {
            end = Math.max(end, stopped);
        }
        Latencies all = Latencies.merge(latencies);
        return new Result(clients, measuredEvents.get(), (end - measureFrom) / 1e9, all.percentileMillis(0.50),
                all.percentileMillis(0.99));
    }

    /** Pre-built batches for each client: distinct events per client, {@code batchesPerClient} batches each. */
    static List<List<SyntheticEvents.Batch>> pools(int clients, int batchesPerClient, int batchSize, long seed,
                                                   boolean csv) {
        List<List<SyntheticEvents.Batch>> pools = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            SyntheticEvents events = new SyntheticEvents(seed * 1000 + c);
            List<SyntheticEvents.Batch> pool = new ArrayList<>();
            for (int b = 0; b < batchesPerClient; b++) {
                SyntheticEvents.Batch batch = events.batch(batchSize, System.currentTimeMillis() / 1000, 0);
                pool.add(csv ? SyntheticEvents.Batch.csv(batch.events()) : batch);
            }
            pools.add(pool);
        }
        return pools;
    }
}
