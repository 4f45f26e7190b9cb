package cairn.bench.lookup;

import cairn.bench.events.SyntheticEvents;
import cairn.server.identity.Installation;
import cairn.bench.server.BenchIdentity;
import cairn.server.audit.Call;
import cairn.server.audit.SelfAudit;
import cairn.server.identity.Caller;
import cairn.server.ingest.Ingest;
import cairn.store.EventStore;
import cairn.store.StoreConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A Cairn data folder holding a given number of generated events, built once through the server's own ingest path
 * ({@link Ingest#ingestRecords}: parse, stamp, derive the history's terms, append durably) and reused while its
 * marker file says it is complete. Event times are spread evenly over the {@link #SPAN} before the build, in order, as
 * a live system receives them. The segment size is the server's default (128 MB).
 *
 * <p>Build it on its own (10 million events take about 13 GB and a few minutes):
 * <pre>
 * $JAVA_HOME/bin/java -Xmx2g -cp cairn-bench/target/cairn-bench.jar cairn.bench.lookup.HistoryStore \
 *     /tmp/cairn-bench-10m 10000000
 * </pre>
 */
public final class HistoryStore {
    public static final Duration SPAN = Duration.ofDays(30);
    private static final int BATCH = 1000;
    private static final int THREADS = 4;

    private HistoryStore() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args.length > 0 ? args[0] : "/tmp/cairn-bench-10m");
        long events = args.length > 1 ? Long.parseLong(args[1]) : 10_000_000L;
        ensure(root, events);
    }

    /** The data folder under {@code root} with {@code events} events, built now when it is missing or incomplete. */
    public static Path ensure(Path root, long events) throws IOException, InterruptedException {
        Path data = root.resolve("data");
        // v2: history terms carry the account.
        Path marker = root.resolve("complete-v2-" + events);
        if (Files.isRegularFile(marker)) {
            return data;
        }
        if (Files.exists(root)) {
            throw new IOException(root + " exists but holds no complete store of " + events + " events (no "
                    + marker.getFileName() + "); delete it to rebuild");
        }
        Files.createDirectories(data);
        Installation installation = Installation.openOrCreate(data, java.time.Clock.systemUTC());
        Caller writer = installation.directory().credential(BenchIdentity.prepare(data).writer().accessKeyId())
                .orElseThrow().caller();
        long started = System.nanoTime();
        long end = System.currentTimeMillis() / 1000;
        long start = end - SPAN.toSeconds();
        AtomicLong next = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (EventStore store = EventStore.open(new StoreConfig(data.resolve("log"), StoreConfig.DEFAULT_SEGMENT_BYTES,
                StoreConfig.DEFAULT_MAX_ENTRY_BYTES))) {
            Ingest ingest = new Ingest(store, new SelfAudit(store, installation.accountId()), BATCH,
                    java.time.Clock.systemUTC());
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                SyntheticEvents generator = new SyntheticEvents(31L * t + 7);
                Thread thread = new Thread(() -> {
                    try {
                        long first;
                        while ((first = next.getAndAdd(BATCH)) < events && failure.get() == null) {
                            int size = (int) Math.min(BATCH, events - first);
                            List<SyntheticEvents.Event> batch = new ArrayList<>(size);
                            for (int i = 0; i < size; i++) {
                                long serial = first + i;
                                batch.add(generator.next(start + serial * SPAN.toSeconds() / events, serial));
                            }
                            Call call = new Call(UUID.randomUUID().toString(), java.time.Instant.now(), "127.0.0.1",
                                    Optional.of("cairn-bench"));
                            call.authenticated(writer);
                            ingest.ingestRecords(call, SyntheticEvents.Batch.of(batch).body());
                            if ((first / BATCH) % 500 == 0) {
                                System.out.printf("%,d events stored, %.0f s%n", first + size,
                                        (System.nanoTime() - started) / 1e9);
                            }
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }, "build-" + t);
                threads.add(thread);
                thread.start();
            }
            for (Thread thread : threads) {
                thread.join();
            }
        }
        if (failure.get() != null) {
            throw new IOException("building the store failed", failure.get());
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        String summary = String.format("%,d events built in %.0f s (%,.0f events/s, generation included)%n", events,
                seconds, events / seconds);
        System.out.print(summary);
        Files.writeString(marker, summary);
        return data;
    }
}
