package cairn.store;

import cairn.store.index.SegmentIndex;
import cairn.store.index.Term;
import cairn.store.segment.Frame;
import cairn.store.segment.Segment;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * The event log and its history index: an append-only sequence of segments in one folder, each record with a
 * 64-bit offset, and lookups by terms over a time range, newest first.
 *
 * <p>Appends are durable when their future completes. A batch is encoded on the caller's thread; one writer thread
 * takes every batch waiting and writes their frames to the open segment; one syncer thread takes everything written
 * since it last looked, forces the file once for all of it (group commit), and only then makes the records visible
 * and completes the futures, while the writer goes on with the next batches. A batch is atomic across crashes (see
 * {@link Frame}). Queries run on any thread, concurrently with both. Expiry deletes whole segments whose newest event
 * time is older than a horizon.
 */
public final class EventStore implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(EventStore.class.getName());
    private static final int MAX_DRAIN = 4096;

    private final StoreConfig config;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final List<Segment> segments;
    private final BlockingQueue<Command> commands = new LinkedBlockingQueue<>();
    private final ExecutorService sealer = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "cairn-store-sealer");
        thread.setDaemon(true);
        return thread;
    });
    private final ConcurrentHashMap<Long, Future<?>> sealing = new ConcurrentHashMap<>();
    private final BlockingQueue<Sync> syncs = new LinkedBlockingQueue<>();
    private final Thread writer;
    private final Thread syncer;
    private final RecoveryReport recoveryReport;
    private volatile Throwable failure;
    private volatile boolean closed;
    /** Set, under the lock of {@code commands}, when the writer or the syncer died; nothing waits on them after. */
    private boolean halted;

    // Owned by the writer thread.
    private long activeEnd;
    private int activeCount;
    private ByteBuffer writeBuffer = ByteBuffer.allocateDirect(1 << 20);

    private EventStore(StoreConfig config, List<Segment> segments, RecoveryReport recoveryReport) {
        this.config = config;
        this.segments = segments;
        this.recoveryReport = recoveryReport;
        SegmentIndex activeIndex = active().index();
        this.activeEnd = activeIndex.endPosition();
        this.activeCount = activeIndex.recordCount();
        this.writer = new Thread(this::writeLoop, "cairn-store-writer");
        this.writer.setDaemon(true);
        this.syncer = new Thread(this::syncLoop, "cairn-store-syncer");
        this.syncer.setDaemon(true);
        this.syncer.start();
        this.writer.start();
    }

    /** Opens the store in {@code config.directory()}, creating it when missing, and recovers from a crash. */
    public static EventStore open(StoreConfig config) throws IOException {
        long started = System.nanoTime();
        Path directory = config.directory();
        Files.createDirectories(directory);
        List<Long> bases = new ArrayList<>();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                if (name.endsWith(".tmp")) {
                    Files.delete(file);
                } else if (name.matches("\\d{20}\\.log")) {
                    bases.add(Long.parseLong(name.substring(0, 20)));
                }
            }
        }
        bases.sort(Comparator.naturalOrder());
        Segment.Recovery recovery = new Segment.Recovery();
        List<Segment> segments = new ArrayList<>();
        for (int i = 0; i < bases.size(); i++) {
            boolean last = i == bases.size() - 1;
            segments.add(last
                    ? Segment.openActive(directory, bases.get(i), recovery)
                    : Segment.openClosed(directory, bases.get(i), recovery));
        }
        for (int i = 0; i + 1 < segments.size(); i++) {
            Segment segment = segments.get(i);
            long end = segment.baseOffset() + segment.index().recordCount();
            if (end != segments.get(i + 1).baseOffset()) {
                recovery.notes.add("offsets " + end + " to " + (segments.get(i + 1).baseOffset() - 1)
                        + " are in no segment (expired by retention, or a segment was lost or cut short)");
            }
        }
        if (segments.isEmpty()) {
            segments.add(Segment.create(directory, 0));
        }
        Segment active = segments.getLast();
        long nextOffset = active.baseOffset() + active.index().recordCount();
        RecoveryReport report = new RecoveryReport(segments.size(), recovery.records, nextOffset,
                recovery.truncatedBytes, recovery.truncatedFrames, recovery.rebuiltIndexes,
                Duration.ofNanos(System.nanoTime() - started), recovery.notes);
        return new EventStore(config, segments, report);
    }

    public RecoveryReport recoveryReport() {
        return recoveryReport;
    }

    /**
     * Appends a batch; the future completes with the offset of its first entry once the whole batch is on disk,
     * and fails when it could not be written (nothing of it is then acknowledged).
     */
    public CompletableFuture<Long> append(List<Entry> batch) {
        CompletableFuture<Long> done = new CompletableFuture<>();
        if (batch.isEmpty()) {
            done.completeExceptionally(new IllegalArgumentException("empty batch"));
            return done;
        }
        int[] sizes = new int[batch.size()];
        int bytes = 0;
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = Frame.size(batch.get(i));
            if (sizes[i] - Frame.HEADER_BYTES > config.maxEntryBytes()) {
                done.completeExceptionally(new IllegalArgumentException("entry of " + (sizes[i] - Frame.HEADER_BYTES)
                        + " bytes (body and terms) exceeds the limit of " + config.maxEntryBytes()));
                return done;
            }
            bytes += sizes[i];
        }
        if (bytes > config.segmentBytes()) {
            done.completeExceptionally(new IllegalArgumentException("batch larger than a segment"));
            return done;
        }
        // Encoding, checksums and term hashes are done here, on the caller's thread, so that the single writer
        // only writes, forces and indexes.
        ByteBuffer frames = ByteBuffer.allocate(bytes);
        long[] times = new long[sizes.length];
        Term[][] terms = new Term[sizes.length][];
        for (int i = 0; i < sizes.length; i++) {
            Entry entry = batch.get(i);
            Frame.encode(entry, i == sizes.length - 1, frames);
            times[i] = entry.eventTime();
            terms[i] = new Term[entry.terms().size()];
            for (int t = 0; t < terms[i].length; t++) {
                terms[i][t] = new Term(entry.terms().get(t));
            }
        }
        submit(new Append(frames.flip(), bytes, sizes, times, terms, done), done);
        return done;
    }

    /** Queues a command for the writer, or fails it at once when the store is closed or failed. */
    private void submit(Command command, CompletableFuture<?> done) {
        synchronized (commands) {
            Throwable failed = failure;
            if (failed != null || closed) {
                done.completeExceptionally(new IOException("the event store is " + (closed ? "closed" : "failed"),
                        failed));
                return;
            }
            commands.add(command);
        }
    }

    /**
     * Deletes every closed segment whose newest event is older than {@code horizon} (epoch seconds); the segment
     * being written is closed first when all its events are that old. Completes with the number of segments deleted.
     */
    public CompletableFuture<Integer> expireBefore(long horizon) {
        return expireBefore(horizon, Long.MAX_VALUE);
    }

    /**
     * As {@link #expireBefore(long)}, but keeps every segment holding an offset at or above {@code keepFrom} (records
     * a reader of the log still needs), however old.
     */
    public CompletableFuture<Integer> expireBefore(long horizon, long keepFrom) {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        submit(new Expire(horizon, keepFrom, done), done);
        return done;
    }

    /** Runs a query; see {@link Query}. Thread-safe. */
    public QueryResult query(Query query) {
        List<Term> terms = query.terms().stream().map(Term::new).toList();
        long minKey = Keys.of(Math.max(0, query.minTime()), 0);
        long maxTime = Math.min(query.maxTime(), Keys.MAX_TIME);
        if (maxTime < 0 || query.minTime() > maxTime) {
            return new QueryResult(List.of(), false);
        }
        lock.readLock().lock();
        try {
            List<Segment> candidates = new ArrayList<>();
            for (Segment segment : segments) {
                SegmentIndex index = segment.index();
                if (index.recordCount() > 0 && index.maxTime() >= query.minTime() && index.minTime() <= maxTime) {
                    candidates.add(segment);
                }
            }
            candidates.sort(Comparator.comparingLong((Segment segment) -> segment.index().maxTime()).reversed());
            PriorityQueue<SegmentCursor> heap = new PriorityQueue<>(Comparator
                    .comparingLong(SegmentCursor::time).thenComparingLong(SegmentCursor::offset).reversed());
            List<SegmentCursor> found = new ArrayList<>();
            int next = 0;
            List<StoredEntry> entries = new ArrayList<>();
            while (entries.size() <= query.limit()) {
                while (next < candidates.size()
                        && (heap.isEmpty() || candidates.get(next).index().maxTime() >= heap.peek().time())) {
                    Segment segment = candidates.get(next++);
                    SegmentCursor cursor = new SegmentCursor(segment, terms, minKey,
                            maxKey(segment, maxTime, query.after()));
                    if (cursor.valid()) {
                        heap.add(cursor);
                    }
                }
                SegmentCursor top = heap.poll();
                if (top == null) {
                    break;
                }
                if (entries.size() == query.limit()) {
                    return new QueryResult(entries, true);
                }
                entries.add(top.segment().read(top.position()));
                top.next();
                if (top.valid()) {
                    heap.add(top);
                }
            }
            return new QueryResult(entries, false);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Counts the entries that carry every one of {@code terms} with an event time in {@code [minTime, maxTime]},
     * without reading them; stops at {@code cap} (the answer is then {@code cap}). Thread-safe.
     */
    public long count(List<byte[]> terms, long minTime, long maxTime, long cap) {
        if (terms.isEmpty()) {
            throw new IllegalArgumentException("a count needs at least one term");
        }
        List<Term> parsed = terms.stream().map(Term::new).toList();
        long minKey = Keys.of(Math.max(0, minTime), 0);
        long last = Math.min(maxTime, Keys.MAX_TIME);
        if (last < 0 || minTime > last) {
            return 0;
        }
        long count = 0;
        lock.readLock().lock();
        try {
            for (Segment segment : segments) {
                SegmentIndex index = segment.index();
                if (index.recordCount() == 0 || index.maxTime() < minTime || index.minTime() > last) {
                    continue;
                }
                SegmentCursor cursor = new SegmentCursor(segment, parsed, minKey, maxKey(segment, last,
                        Optional.empty()));
                while (cursor.valid() && count < cap) {
                    count++;
                    cursor.next();
                }
                if (count >= cap) {
                    return cap;
                }
            }
            return count;
        } finally {
            lock.readLock().unlock();
        }
    }

    private static long maxKey(Segment segment, long maxTime, Optional<Position> after) {
        long maxKey = Keys.of(maxTime, Keys.MAX_POSITION);
        if (after.isPresent()) {
            long time = after.get().eventTime();
            long offset = after.get().offset();
            long base = segment.baseOffset();
            long afterKey;
            if (time > Keys.MAX_TIME || offset >= base + segment.index().recordCount()) {
                afterKey = Keys.of(Math.min(time, Keys.MAX_TIME), Keys.MAX_POSITION);
            } else if (offset <= base) {
                afterKey = Keys.of(time, 0) - 1;
            } else {
                afterKey = Keys.of(time, offset - base) - 1;
            }
            maxKey = Math.min(maxKey, afterKey);
        }
        return maxKey;
    }

    /** Reads one record by offset; empty when it was expired or never written. */
    public Optional<StoredEntry> read(long offset) {
        lock.readLock().lock();
        try {
            for (int i = segments.size() - 1; i >= 0; i--) {
                Segment segment = segments.get(i);
                if (segment.baseOffset() <= offset) {
                    long position = offset - segment.baseOffset();
                    return position < segment.index().recordCount()
                            ? Optional.of(segment.read((int) position))
                            : Optional.empty();
                }
            }
            return Optional.empty();
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Reads acknowledged records in offset order from {@code from} on: at most {@code maxRecords} of them, and past
     * the first at most about {@code maxBytes}, from one segment. Records expired by retention are skipped (the first
     * returned then has a higher offset than {@code from}); the list is empty when {@code from} is at the end.
     */
    public List<StoredEntry> read(long from, int maxRecords, int maxBytes) {
        lock.readLock().lock();
        try {
            for (Segment segment : segments) {
                long end = segment.baseOffset() + segment.index().recordCount();
                if (from < end) {
                    int position = (int) Math.max(0, from - segment.baseOffset());
                    return segment.read(position, maxRecords, maxBytes);
                }
            }
            return List.of();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The closed segments whose events are all older than {@code horizon}: what expiry could delete. */
    public int segmentsOlderThan(long horizon) {
        lock.readLock().lock();
        try {
            int count = 0;
            for (int i = 0; i < segments.size() - 1; i++) {
                if (segments.get(i).index().maxTime() < horizon) {
                    count++;
                }
            }
            return count;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The latest event time of any stored entry (epoch seconds), or -1 when the store holds none. */
    public long maxEventTime() {
        lock.readLock().lock();
        try {
            long latest = -1;
            for (Segment segment : segments) {
                if (segment.index().recordCount() > 0) {
                    latest = Math.max(latest, segment.index().maxTime());
                }
            }
            return latest;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The offset the next appended record will get. */
    public long nextOffset() {
        lock.readLock().lock();
        try {
            Segment active = active();
            return active.baseOffset() + active.index().recordCount();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The number of segment files, the one being written included. */
    public int segmentCount() {
        lock.readLock().lock();
        try {
            return segments.size();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Stops the writer after the batches already submitted, waits for indexes being written, closes the files. */
    @Override
    public void close() throws IOException {
        CompletableFuture<Integer> stopped = new CompletableFuture<>();
        synchronized (commands) {
            if (closed) {
                return;
            }
            closed = true;
            if (halted) {
                stopped.complete(0);
            } else {
                commands.add(new Stop(stopped));
            }
        }
        stopped.join();
        sealer.shutdown();
        for (Future<?> pending : sealing.values()) {
            awaitQuietly(pending);
        }
        lock.writeLock().lock();
        try {
            for (Segment segment : segments) {
                segment.close();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    private Segment active() {
        return segments.getLast();
    }

    private sealed interface Command permits Append, Expire, Stop {
    }

    /** A batch encoded as frames, with each frame's size, event time and terms for the index. */
    private record Append(ByteBuffer frames, int bytes, int[] sizes, long[] times, Term[][] terms,
                          CompletableFuture<Long> done) implements Command {
    }

    private record Expire(long horizon, long keepFrom, CompletableFuture<Integer> done) implements Command {
    }

    private record Stop(CompletableFuture<Integer> done) implements Command {
    }

    private void writeLoop() {
        List<Command> drained = new ArrayList<>();
        List<Append> group = new ArrayList<>();
        try {
            writeCommands(drained, group);
        } catch (Throwable e) {
            halt(e, "the event store's writer stopped", drained, group, List.of());
        }
    }

    private void syncLoop() {
        List<Sync> drained = new ArrayList<>();
        try {
            syncWritten(drained);
        } catch (Throwable e) {
            halt(e, "the event store's syncer stopped", List.of(), List.of(), drained);
        }
    }

    /**
     * After an error no thread recovers from (out of memory, a bug): refuse every append from now on, and fail or
     * release everything still waiting, the dying thread's own work in hand included, so that no caller waits for
     * ever.
     */
    private void halt(Throwable e, String message, List<Command> commandsInHand, List<Append> groupInHand,
                      List<Sync> syncsInHand) {
        synchronized (commands) {
            if (failure == null) {
                failure = e;
            }
            halted = true;
        }
        LOG.log(Level.SEVERE, message + "; no further appends are accepted", e);
        IOException error = new IOException(message, e);
        List<Command> leftCommands = new ArrayList<>(commandsInHand);
        commands.drainTo(leftCommands);
        for (Command command : leftCommands) {
            switch (command) {
                case Append append -> append.done().completeExceptionally(error);
                case Expire expire -> expire.done().completeExceptionally(error);
                case Stop stop -> stop.done().complete(0);
            }
        }
        groupInHand.forEach(append -> append.done().completeExceptionally(error));
        List<Sync> leftSyncs = new ArrayList<>(syncsInHand);
        syncs.drainTo(leftSyncs);
        for (Sync sync : leftSyncs) {
            switch (sync) {
                case Written written -> written.group().forEach(append -> append.done().completeExceptionally(error));
                case Barrier barrier -> barrier.passed().complete(null);
                case Rolled ignored -> { }
                case StopSyncing ignored -> { }
            }
        }
        syncs.add(new StopSyncing());
    }

    private void writeCommands(List<Command> drained, List<Append> group) {
        while (true) {
            try {
                drained.add(commands.take());
            } catch (InterruptedException e) {
                return;
            }
            commands.drainTo(drained, MAX_DRAIN);
            for (Command command : drained) {
                switch (command) {
                    case Append append -> {
                        if (failure != null) {
                            append.done().completeExceptionally(new IOException("the event store failed", failure));
                            continue;
                        }
                        if (activeEnd + groupBytes(group) + append.bytes() > config.segmentBytes()
                                && activeCount + group.size() > 0) {
                            write(group);
                            roll();
                        }
                        group.add(append);
                    }
                    case Expire expire -> {
                        write(group);
                        synced();
                        expire(expire);
                    }
                    case Stop stop -> {
                        write(group);
                        synced();
                        syncs.add(new StopSyncing());
                        stop.done().complete(0);
                        return;
                    }
                }
            }
            drained.clear();
            write(group);
        }
    }

    private static long groupBytes(List<Append> group) {
        long bytes = 0;
        for (Append append : group) {
            bytes += append.bytes();
        }
        return bytes;
    }

    /**
     * Writes the frames of the group to the open segment (into the page cache) and hands them to the syncer, which
     * forces, indexes and acknowledges them; meanwhile the next group is written.
     */
    private void write(List<Append> group) {
        if (group.isEmpty()) {
            return;
        }
        Segment active = active();
        long start = activeEnd;
        try {
            if (failure != null) {
                throw new IOException("the event store failed", failure);
            }
            long bytes = groupBytes(group);
            if (writeBuffer.capacity() < bytes) {
                writeBuffer = ByteBuffer.allocateDirect((int) Math.max(bytes, 2L * writeBuffer.capacity()));
            }
            writeBuffer.clear();
            for (Append append : group) {
                writeBuffer.put(append.frames().duplicate());
            }
            active.write(writeBuffer.flip(), start);
        } catch (IOException | RuntimeException e) {
            fail(e, "event store write failed; no further appends are accepted", group);
            group.clear();
            return;
        }
        long firstOffset = active.baseOffset() + activeCount;
        for (Append append : group) {
            activeEnd += append.bytes();
            activeCount += append.sizes().length;
        }
        syncs.add(new Written(active, List.copyOf(group), start, firstOffset));
        group.clear();
    }

    private void fail(Throwable e, String message, List<Append> group) {
        failure = e;
        LOG.log(Level.SEVERE, message, e);
        for (Append append : group) {
            append.done().completeExceptionally(e);
        }
    }

    /** Waits until the syncer has forced, indexed and acknowledged everything written so far. */
    private void synced() {
        CompletableFuture<Void> passed = new CompletableFuture<>();
        synchronized (commands) {
            if (halted) {
                throw new IllegalStateException("the event store's syncer stopped", failure);
            }
            syncs.add(new Barrier(passed));
        }
        passed.join();
    }

    private sealed interface Sync permits Written, Rolled, Barrier, StopSyncing {
    }

    /** Groups written to {@code segment} from file position {@code start}, with the offset of their first record. */
    private record Written(Segment segment, List<Append> group, long start, long firstOffset) implements Sync {
    }

    /** The segment will take no more records: index it to its own file once what was written to it is indexed. */
    private record Rolled(Segment segment) implements Sync {
    }

    private record Barrier(CompletableFuture<Void> passed) implements Sync {
    }

    private record StopSyncing() implements Sync {
    }

    /**
     * The syncer: takes every group written since it last looked, forces their segments once (group commit), then
     * makes their records visible in the index and acknowledges them, in the order they were written.
     */
    private void syncWritten(List<Sync> drained) {
        List<Segment> toForce = new ArrayList<>();
        while (true) {
            try {
                drained.add(syncs.take());
            } catch (InterruptedException e) {
                return;
            }
            syncs.drainTo(drained, MAX_DRAIN);
            toForce.clear();
            for (Sync sync : drained) {
                if (sync instanceof Written written && !toForce.contains(written.segment())) {
                    toForce.add(written.segment());
                }
            }
            Throwable forceFailure = failure;
            if (forceFailure == null) {
                try {
                    for (Segment segment : toForce) {
                        segment.force();
                    }
                } catch (IOException | RuntimeException e) {
                    forceFailure = e;
                    failure = e;
                    LOG.log(Level.SEVERE, "event store fsync failed; no further appends are accepted", e);
                }
            }
            boolean stop = false;
            for (Sync sync : drained) {
                switch (sync) {
                    case Written written -> {
                        if (forceFailure != null) {
                            IOException error = new IOException("the event store failed", forceFailure);
                            written.group().forEach(append -> append.done().completeExceptionally(error));
                        } else {
                            index(written);
                        }
                    }
                    case Rolled rolled -> seal(rolled.segment());
                    case Barrier barrier -> barrier.passed().complete(null);
                    case StopSyncing ignored -> stop = true;
                }
            }
            drained.clear();
            if (stop) {
                return;
            }
        }
    }

    private void index(Written written) {
        List<Append> group = written.group();
        long[] firstOffsets = new long[group.size()];
        lock.writeLock().lock();
        try {
            var index = written.segment().memoryIndex();
            long position = written.start();
            long offset = written.firstOffset();
            for (int g = 0; g < group.size(); g++) {
                Append append = group.get(g);
                firstOffsets[g] = offset;
                for (int i = 0; i < append.sizes().length; i++) {
                    long end = position + append.sizes()[i];
                    index.add(append.times()[i], append.terms()[i], position, end);
                    position = end;
                }
                offset += append.sizes().length;
            }
            index.settle();
        } finally {
            lock.writeLock().unlock();
        }
        for (int g = 0; g < group.size(); g++) {
            group.get(g).done().complete(firstOffsets[g]);
        }
    }

    private void roll() {
        Segment closing = active();
        try {
            Segment next = Segment.create(config.directory(), closing.baseOffset() + activeCount);
            lock.writeLock().lock();
            try {
                segments.add(next);
            } finally {
                lock.writeLock().unlock();
            }
            activeEnd = 0;
            activeCount = 0;
        } catch (IOException e) {
            fail(e, "could not start a new segment; no further appends are accepted", List.of());
            return;
        }
        syncs.add(new Rolled(closing));
    }

    /** Writes a closed segment's index file in the background; expiry waits for it before deleting the segment. */
    private void seal(Segment closing) {
        CompletableFuture<Void> sealed = new CompletableFuture<>();
        sealing.put(closing.baseOffset(), sealed);
        sealer.execute(() -> {
            try {
                closing.seal();
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.WARNING, "could not write the index of segment " + closing.baseOffset()
                        + "; it stays on the heap and is rebuilt at the next start", e);
            } finally {
                sealing.remove(closing.baseOffset());
                sealed.complete(null);
            }
        });
    }

    private void expire(Expire expire) {
        try {
            Segment active = active();
            if (activeCount > 0 && active.index().maxTime() < expire.horizon()
                    && active.baseOffset() + activeCount <= expire.keepFrom()) {
                roll();
                synced();
            }
            List<Segment> doomed = new ArrayList<>();
            lock.writeLock().lock();
            try {
                for (int i = 0; i < segments.size() - 1; i++) {
                    Segment segment = segments.get(i);
                    if (segment.index().maxTime() < expire.horizon()
                            && segment.baseOffset() + segment.index().recordCount() <= expire.keepFrom()) {
                        doomed.add(segment);
                    }
                }
                segments.removeAll(doomed);
            } finally {
                lock.writeLock().unlock();
            }
            for (Segment segment : doomed) {
                Future<?> pending = sealing.get(segment.baseOffset());
                if (pending != null) {
                    awaitQuietly(pending);
                }
                segment.delete();
            }
            expire.done().complete(doomed.size());
        } catch (IOException | RuntimeException e) {
            expire.done().completeExceptionally(e);
        }
    }

    private static void awaitQuietly(Future<?> pending) {
        try {
            pending.get();
        } catch (Exception e) {
            LOG.log(Level.FINE, "waiting for a segment index", e);
        }
    }
}
