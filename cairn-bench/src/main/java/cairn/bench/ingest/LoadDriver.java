package cairn.bench.ingest;

import cairn.bench.events.SyntheticEvents;
import cairn.bench.measure.ClosedLoop;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
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
        AtomicLong serials = new AtomicLong(System.nanoTime() & 0xFFFF_FFFFL << 8);
        ClosedLoop.Outcome outcome = ClosedLoop.run(pools.size(), client -> {
            List<SyntheticEvents.Batch> pool = pools.get(client);
            Sender sender = senderFactory.apply(client);
            return ClosedLoop.Client.of(call -> {
                SyntheticEvents.Batch batch = pool.get(call % pool.size());
                batch.restamp(System.currentTimeMillis() / 1000, serials.getAndAdd(batch.size()));
                sender.send(batch);
                return batch.size();
            }, sender);
        }, warmUpSeconds, measureSeconds, maxEvents);
        return new Result(outcome.clients(), outcome.units(), outcome.seconds(), outcome.p50Millis(),
                outcome.p99Millis());
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
