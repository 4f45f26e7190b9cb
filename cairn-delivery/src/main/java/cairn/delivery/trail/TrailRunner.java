package cairn.delivery.trail;

import cairn.delivery.logfile.GzipLogFile;
import cairn.delivery.logfile.LogFileKeys;
import cairn.delivery.objectstore.ObjectStore;
import cairn.delivery.objectstore.ObjectStoreException;
import cairn.model.record.ParsedRecord;
import cairn.model.record.RecordProblem;
import cairn.model.record.RecordReader;
import cairn.model.trail.Trail;
import cairn.store.EventStore;
import cairn.store.StoredEntry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One trail's delivery, run by the delivery thread only: reads the event log from the trail's cursor, keeps the
 * records the trail takes in one log file per account and region, and closes the batch when the interval since its
 * first record has passed, or before a file would outgrow the size limit. Closing records the batch as pending, writes
 * its files, then moves the cursor past it (see {@link TrailState}).
 */
final class TrailRunner {
    private static final Logger LOG = Logger.getLogger(TrailRunner.class.getName());
    private static final int READ_RECORDS = 4096;
    private static final int READ_BYTES = 4 << 20;

    private final TrailState state;
    private final EventStore store;
    private final ObjectStore objects;
    private final DeliveryConfig config;
    private final Executor compressors;
    private final Clock clock;

    private Trail trail;
    /** The batch being gathered: from {@code batchFirst} (the cursor) up to {@code readTo}, not included. */
    private Trail batchTrail;
    private long batchFirst = -1;
    private long readTo;
    private Optional<Instant> batchOpened = Optional.empty();
    private final Map<String, Group> files = new LinkedHashMap<>();
    private Instant lastSkip = Instant.EPOCH;
    private Instant retryAt = Instant.EPOCH;
    private int failures;

    /** The records of one account and region in the batch. */
    private record Group(String account, String region, GzipLogFile file) {
    }

    TrailRunner(Trail trail, TrailState state, EventStore store, ObjectStore objects, DeliveryConfig config,
                Executor compressors, Clock clock) {
        this.trail = trail;
        this.state = state;
        this.store = store;
        this.objects = objects;
        this.config = config;
        this.compressors = compressors;
        this.clock = clock;
    }

    TrailState state() {
        return state;
    }

    /**
     * Takes the trail's current settings. When what it delivers changed (selectors, regions, bucket, prefix), the
     * batch gathered so far is closed under the old settings, so that the new ones apply from the next record read.
     */
    void update(Trail current) {
        this.trail = current;
        Optional<TrailState.Pending> pending = state.pending();
        if (pending.isPresent()) {
            // A batch that could not be written follows the trail to its new bucket (UpdateTrail mends a trail
            // whose bucket is gone); what it holds stays as decided.
            if (!pending.get().trail().sameDestination(current)) {
                state.retarget(current);
                retryAt = Instant.EPOCH;
                failures = 0;
            }
            return;
        }
        if (batchFirst < 0 || sameDelivery(batchTrail, current)) {
            return;
        }
        if (batchOpened.isPresent()) {
            close(readTo - 1, clock.instant());
        } else {
            batchTrail = current;
        }
    }

    private static boolean sameDelivery(Trail one, Trail other) {
        return one.withLogging(Trail.Logging.NEVER).equals(other.withLogging(Trail.Logging.NEVER));
    }

    /**
     * Does what is due: finishes a pending batch, reads up to {@code budget} records, closes the batch when its
     * interval has passed. Returns the number of records read (0 when there was nothing to do).
     */
    int step(int budget) {
        Instant now = clock.instant();
        Optional<TrailState.Pending> pending = state.pending();
        if (pending.isPresent()) {
            if (now.isBefore(retryAt)) {
                return 0;
            }
            redo(pending.get(), now);
            if (state.pending().isPresent()) {
                return 0;
            }
        }
        if (batchFirst < 0) {
            openBatch(state.cursor());
        }
        int read = 0;
        long end = store.nextOffset();
        List<TrailState.Window> windows = state.windows();
        while (read < budget && readTo < end) {
            Optional<TrailState.Window> window = windows.stream()
                    .filter(candidate -> candidate.end().isEmpty() || candidate.end().getAsLong() > readTo)
                    .findFirst();
            if (window.isEmpty()) {
                readTo = end;
                break;
            }
            if (readTo < window.get().start()) {
                readTo = Math.min(window.get().start(), end);
                continue;
            }
            long limit = Math.min(window.get().end().orElse(Long.MAX_VALUE), end);
            List<StoredEntry> entries = store.read(readTo, (int) Math.min(READ_RECORDS, limit - readTo), READ_BYTES);
            if (entries.isEmpty()) {
                readTo = limit;
                continue;
            }
            if (entries.getFirst().offset() >= limit) {
                readTo = limit;
                continue;
            }
            for (StoredEntry entry : entries) {
                if (entry.offset() >= limit) {
                    break;
                }
                if (!consider(entry, now)) {
                    return read;
                }
                readTo = entry.offset() + 1;
                read++;
            }
        }
        if (batchOpened.isPresent()) {
            if (!now.isBefore(batchOpened.get().plus(config.interval()))) {
                close(readTo - 1, now);
            }
        } else if (state.logging() && readTo > state.cursor() && !now.isBefore(lastSkip.plus(config.interval()))) {
            // Nothing chosen since the cursor: move it on, now and then, so a restart does not read it all again.
            state.skipTo(readTo);
            openBatch(readTo);
            lastSkip = now;
        }
        return read;
    }

    /** Whether records are waiting in the log for this trail (it logs, and has not read up to the end). */
    boolean behind() {
        return state.logging() && readTo < store.nextOffset();
    }

    private void openBatch(long first) {
        batchTrail = trail;
        batchFirst = first;
        readTo = first;
        batchOpened = Optional.empty();
        files.clear();
    }

    /** Adds the record to the batch when the trail takes it; false when a batch had to close and could not. */
    private boolean consider(StoredEntry entry, Instant now) {
        Optional<ParsedRecord> record = chosen(entry);
        if (record.isEmpty()) {
            return true;
        }
        String group = groupOf(record.get());
        Group target = files.get(group);
        if (target != null && target.file().records() > 0
                && target.file().sizeWith(entry.body().length) > config.maxFileBytes()) {
            if (!close(entry.offset() - 1, now)) {
                return false;
            }
        }
        add(group, record.get(), entry, config.gzipLevel());
        if (batchOpened.isEmpty()) {
            batchOpened = Optional.of(now);
        }
        return true;
    }

    /** Closes the batch {@code [batchFirst, last]}: pending first, then its files, then the cursor. */
    private boolean close(long last, Instant now) {
        TrailState.Pending batch = new TrailState.Pending(batchFirst, last, now.truncatedTo(ChronoUnit.SECONDS),
                config.gzipLevel(), batchTrail);
        state.begin(batch);
        boolean written = write(batch, now);
        openBatch(last + 1);
        return written;
    }

    /** Writes a pending batch again, from the log, exactly as it was first written. */
    private void redo(TrailState.Pending batch, Instant now) {
        files.clear();
        batchTrail = batch.trail();
        long offset = batch.first();
        List<TrailState.Window> windows = state.windows();
        while (offset <= batch.last()) {
            List<StoredEntry> entries = store.read(offset, (int) Math.min(READ_RECORDS, batch.last() - offset + 1),
                    READ_BYTES);
            if (entries.isEmpty()) {
                break;
            }
            for (StoredEntry entry : entries) {
                if (entry.offset() > batch.last()) {
                    break;
                }
                if (inWindow(windows, entry.offset())) {
                    chosen(entry).ifPresent(record -> add(groupOf(record), record, entry, batch.gzipLevel()));
                }
                offset = entry.offset() + 1;
            }
        }
        write(batch, now);
        openBatch(state.cursor());
    }

    /** The record, when the batch's trail takes it (a record that cannot be read is left out, and said so). */
    private Optional<ParsedRecord> chosen(StoredEntry entry) {
        try {
            ParsedRecord record = RecordReader.readStored(entry.body());
            return batchTrail.takes(record) ? Optional.of(record) : Optional.empty();
        } catch (RecordProblem problem) {
            LOG.log(Level.WARNING, "record at offset " + entry.offset() + " cannot be read, not delivered: "
                    + problem.getMessage());
            return Optional.empty();
        }
    }

    private static String groupOf(ParsedRecord record) {
        return record.recipientAccountId().orElseThrow() + "/" + record.awsRegion();
    }

    /** Appends the record's stored bytes to its account and region's file, started at {@code gzipLevel} if new. */
    private void add(String group, ParsedRecord record, StoredEntry entry, int gzipLevel) {
        files.computeIfAbsent(group, ignored -> new Group(record.recipientAccountId().orElseThrow(),
                record.awsRegion(), new GzipLogFile(gzipLevel, compressors))).file().add(entry.body());
    }

    private static boolean inWindow(List<TrailState.Window> windows, long offset) {
        for (TrailState.Window window : windows) {
            if (offset >= window.start() && (window.end().isEmpty() || offset < window.end().getAsLong())) {
                return true;
            }
        }
        return false;
    }

    private boolean write(TrailState.Pending batch, Instant now) {
        Trail target = batch.trail();
        ObjectStore.Encryption encryption = ObjectStore.Encryption.of(target.kmsKeyId());
        try {
            for (Group group : files.values()) {
                GzipLogFile.Finished file = group.file().finish();
                String unique = LogFileKeys.uniqueString(target.arn() + "/" + batch.first() + "/" + batch.last()
                        + "/" + group.account() + "/" + group.region());
                String key = LogFileKeys.key(target.s3KeyPrefix(), group.account(), group.region(),
                        batch.delivered(), unique);
                objects.put(target.s3BucketName(), key, file.bytes(), Map.of(), encryption);
            }
        } catch (ObjectStoreException e) {
            fail(now, e.code(), e.permanent(), e);
            return false;
        } catch (IOException | UncheckedIOException e) {
            fail(now, "InternalError", false, e);
            return false;
        } finally {
            files.clear();
        }
        state.delivered(clock.instant());
        failures = 0;
        return true;
    }

    /**
     * Records the failure and when to try again: capped exponential backoff with jitter, from 1 s up to a minute for
     * failures that time can mend (the store down, throttling), from 30 s up to 5 minutes for those it cannot (the
     * bucket gone, access denied), so that a broken trail neither hammers its store nor waits long once mended.
     */
    private void fail(Instant now, String error, boolean permanent, Exception cause) {
        failures++;
        Duration base = permanent ? Duration.ofSeconds(30) : Duration.ofSeconds(1);
        Duration cap = permanent ? Duration.ofMinutes(5) : Duration.ofMinutes(1);
        long millis = Math.min(cap.toMillis(), base.toMillis() << Math.min(20, failures - 1));
        long jittered = millis / 2 + java.util.concurrent.ThreadLocalRandom.current().nextLong(millis / 2 + 1);
        retryAt = now.plusMillis(jittered);
        state.failed(now, error);
        LOG.log(Level.WARNING, "delivery of " + trail.arn() + " failed (" + error + ", attempt " + failures
                + "); trying again in " + jittered + " ms: " + cause.getMessage());
    }
}
