package cairn.delivery.trail;

import cairn.delivery.digest.SigningKeys;
import cairn.delivery.objectstore.ObjectStore;
import cairn.model.trail.Trail;
import cairn.store.EventStore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.logging.Level;
import java.util.logging.Logger;

import static java.util.Objects.requireNonNull;

/**
 * Trails at run time: every trail that logs (or has events left to deliver from before it stopped) is a consumer of
 * the event log with its own cursor, delivering log files to its bucket exactly once across crashes (see
 * {@link TrailState}), and the signed digests of those that validate (see {@link TrailRunner}). A deleted trail
 * delivers what it logged before it was deleted and ends its digest chains, its state kept meanwhile under
 * {@code retired/}. One thread runs every trail in turn; gzip runs on a pool of its own. Time comes from the
 * clock given, so a test that moves the clock and calls {@link #runOnce()} sees delivery happen exactly when the
 * interval has passed. Thread-safe.
 */
public final class TrailDelivery implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(TrailDelivery.class.getName());
    /** Records one trail reads before the others get their turn. */
    private static final int BUDGET = 65_536;

    private final EventStore store;
    private final ObjectStore objects;
    private final Supplier<List<Trail>> trails;
    private final Path stateFolder;
    private final DeliveryConfig config;
    private final SigningKeys keys;
    private final List<String> regions;
    private final Clock clock;
    private final ExecutorService compressors;
    private final ReentrantLock passLock = new ReentrantLock();
    private final Map<String, TrailState> states = new ConcurrentHashMap<>();
    private final Map<String, TrailRunner> runners = new ConcurrentHashMap<>();
    /** Deleted trails finishing their deliveries, by state file. */
    private final Map<Path, TrailRunner> retired = new ConcurrentHashMap<>();
    private final Object wake = new Object();
    private volatile boolean closed;
    private Thread thread;

    /**
     * Delivery of the trails {@code trails} gives (read again on every pass), from {@code store} into {@code objects},
     * keeping each trail's state under {@code stateFolder}, signing digests with {@code keys}.
     */
    public TrailDelivery(EventStore store, ObjectStore objects, Supplier<List<Trail>> trails, Path stateFolder,
                         DeliveryConfig config, SigningKeys keys, Clock clock) {
        this(store, objects, trails, stateFolder, config, keys, List.of(), clock);
    }

    /**
     * As above, for a server that serves {@code regions} only (empty: any region): a multi-region trail that
     * validates keeps a digest chain for each of them from the start, with empty digests while a region is idle, as
     * CloudTrail does for every region; with any region served, a region's chain starts with its first log file.
     */
    public TrailDelivery(EventStore store, ObjectStore objects, Supplier<List<Trail>> trails, Path stateFolder,
                         DeliveryConfig config, SigningKeys keys, List<String> regions, Clock clock) {
        this.regions = List.copyOf(regions);
        this.store = requireNonNull(store, "store is null");
        this.objects = requireNonNull(objects, "objects is null");
        this.trails = requireNonNull(trails, "trails is null");
        this.stateFolder = requireNonNull(stateFolder, "stateFolder is null");
        this.config = requireNonNull(config, "config is null");
        this.keys = requireNonNull(keys, "keys is null");
        this.clock = requireNonNull(clock, "clock is null");
        AtomicInteger number = new AtomicInteger();
        this.compressors = Executors.newFixedThreadPool(config.compressionThreads(), runnable -> {
            Thread compressor = new Thread(runnable, "cairn-gzip-" + number.incrementAndGet());
            compressor.setDaemon(true);
            return compressor;
        });
    }

    /**
     * Brings each trail's windows in line with whether it logs (a crash may have come between the two writes of
     * StartLogging or StopLogging), then starts the delivery thread. Call before the API serves.
     */
    public void start() {
        for (Trail trail : trails.get()) {
            boolean hasState = Files.exists(stateFile(trail));
            if (!hasState && !trail.logging().on()) {
                continue;
            }
            TrailState state = stateOf(trail);
            if (trail.logging().on()) {
                state.open(store.nextOffset());
            } else {
                state.close(store.nextOffset());
            }
        }
        Path retiredFolder = stateFolder.resolve("retired");
        if (Files.isDirectory(retiredFolder)) {
            try (Stream<Path> files = Files.list(retiredFolder)) {
                for (Path file : files.filter(path -> path.getFileName().toString().endsWith(".json")).toList()) {
                    TrailState state = TrailState.load(file);
                    retired.put(file, runner(state.retiredTrail().orElseThrow(), state));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + retiredFolder, e);
            }
        }
        thread = new Thread(this::run, "cairn-delivery");
        thread.setDaemon(true);
        thread.start();
    }

    /** StartLogging: the trail delivers the events appended from now on. */
    public void startLogging(Trail trail) {
        stateOf(trail).open(store.nextOffset());
        wake();
    }

    /** StopLogging: the trail delivers the events appended until now, and none after. */
    public void stopLogging(Trail trail) {
        stateOf(trail).close(store.nextOffset());
        wake();
    }

    /**
     * DeleteTrail: the trail logs nothing more. What it logged until now is still delivered, and its digest chains
     * end with a final digest; then its state goes. What it delivered stays in its bucket.
     */
    public void forget(Trail trail) {
        passLock.lock();
        try {
            runners.remove(trail.arn());
            TrailState state = states.remove(trail.arn());
            if (state == null) {
                if (!Files.exists(stateFile(trail))) {
                    return;
                }
                state = TrailState.load(stateFile(trail));
            }
            state.close(store.nextOffset());
            Path file = stateFolder.resolve("retired").resolve(trail.accountId() + "_" + trail.homeRegion() + "_"
                    + trail.name() + "_" + clock.millis() + "_" + System.nanoTime() + ".json");
            Trail stopped = trail.logging().on() ? trail.withLogging(trail.logging().stop(clock.instant())) : trail;
            state.retire(stopped, file);
            retired.put(file, runner(stopped, state));
        } finally {
            passLock.unlock();
        }
        wake();
    }

    /**
     * The lowest offset a trail may still read (its cursor, or its pending batch), so that retention keeps it; the
     * log's end when no trail needs anything.
     */
    public long oldestNeeded() {
        long oldest = store.nextOffset();
        List<TrailState> all = new java.util.ArrayList<>(states.values());
        retired.values().forEach(runner -> all.add(runner.state()));
        for (TrailState state : all) {
            List<TrailState.Window> windows = state.windows();
            if (state.pending().isPresent()) {
                oldest = Math.min(oldest, state.pending().get().first());
            } else if (!windows.isEmpty()) {
                oldest = Math.min(oldest, Math.max(state.cursor(), windows.getFirst().start()));
            }
        }
        return oldest;
    }

    /** What GetTrailStatus reports of the trail's deliveries. */
    public Status status(Trail trail) {
        TrailState state = states.get(trail.arn());
        if (state == null && !Files.exists(stateFile(trail))) {
            return new Status(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                    Optional.empty(), Optional.empty());
        }
        TrailState.Status status = (state == null ? stateOf(trail) : state).status();
        return new Status(status.latestDelivery(), status.latestAttempt(), status.latestSuccess(),
                status.latestError(), status.latestDigest(), status.latestDigestError());
    }

    /**
     * The time of the latest delivery, the latest attempt and success, and the latest attempt's error; the time of
     * the latest digest written and the error of the latest digest write when it failed.
     */
    public record Status(Optional<Instant> latestDelivery, Optional<Instant> latestAttempt,
                         Optional<Instant> latestSuccess, Optional<String> latestError,
                         Optional<Instant> latestDigest, Optional<String> latestDigestError) {
    }

    /**
     * One pass over every trail, on the caller's thread, while the delivery thread waits: what is due at the clock's
     * time is delivered when this returns. Returns whether a trail still has records to read.
     */
    public boolean runOnce() {
        passLock.lock();
        try {
            return pass();
        } finally {
            passLock.unlock();
        }
    }

    private boolean pass() {
        boolean more = false;
        Set<String> current = new HashSet<>();
        for (Trail trail : trails.get()) {
            current.add(trail.arn());
            TrailRunner runner = runners.get(trail.arn());
            if (runner == null) {
                if (!states.containsKey(trail.arn()) && !Files.exists(stateFile(trail))) {
                    continue;
                }
                runner = runner(trail, stateOf(trail));
                runners.put(trail.arn(), runner);
            }
            runner.update(trail);
            runner.step(BUDGET);
            more |= runner.behind();
        }
        runners.keySet().retainAll(current);
        for (Map.Entry<Path, TrailRunner> entry : List.copyOf(retired.entrySet())) {
            TrailRunner runner = entry.getValue();
            runner.step(BUDGET);
            if (runner.finished()) {
                runner.state().delete();
                retired.remove(entry.getKey());
            } else {
                more |= runner.behind();
            }
        }
        return more;
    }

    private TrailRunner runner(Trail trail, TrailState state) {
        return new TrailRunner(trail, state, store, objects, config, compressors, keys, regions, clock);
    }

    private void run() {
        long pause = Math.max(10, Math.min(100, config.interval().toMillis() / 10));
        while (!closed) {
            boolean more = false;
            try {
                more = runOnce();
            } catch (RuntimeException e) {
                LOG.log(Level.SEVERE, "delivery pass failed; trying again", e);
            }
            if (!more) {
                synchronized (wake) {
                    try {
                        wake.wait(pause);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }
    }

    private void wake() {
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    private TrailState stateOf(Trail trail) {
        return states.computeIfAbsent(trail.arn(), arn -> TrailState.load(stateFile(trail)));
    }

    private Path stateFile(Trail trail) {
        return stateFolder.resolve(trail.accountId()).resolve(trail.homeRegion()).resolve(trail.name() + ".json");
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        wake();
        if (thread != null) {
            thread.join(Duration.ofSeconds(30));
        }
        compressors.shutdown();
        compressors.awaitTermination(30, TimeUnit.SECONDS);
    }
}
