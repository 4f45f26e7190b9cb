package cairn.delivery.trail;

import cairn.delivery.digest.DigestFile;
import cairn.delivery.digest.DigestKeys;
import cairn.delivery.digest.SigningKeys;
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
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
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
 *
 * <p>A trail that validates its log files keeps a digest chain per account and region: at each multiple of the digest
 * period (from the epoch, in UTC) a digest lists the log files delivered since the last one, signed with the region's
 * key and linked to the one before; a chain starts (its first digest links to none) when logging or validation is
 * switched on, or with the first file of an account and region, and ends with a final digest when validation is
 * switched off, or once the trail stopped (or was deleted) and delivered all it logged.
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
    private final SigningKeys keys;
    /** The regions served (empty: any), whose chains a multi-region trail keeps from the start. */
    private final List<String> regions;
    private final Clock clock;
    /** A deleted trail finishing its deliveries: its settings no longer change. */
    private final boolean retired;

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

    /** The records of one account and region in the batch, and the times of its oldest and newest events. */
    private static final class Group {
        final String account;
        final String region;
        final GzipLogFile file;
        long oldest = Long.MAX_VALUE;
        long newest = Long.MIN_VALUE;

        Group(String account, String region, GzipLogFile file) {
            this.account = account;
            this.region = region;
            this.file = file;
        }
    }

    TrailRunner(Trail trail, TrailState state, EventStore store, ObjectStore objects, DeliveryConfig config,
                Executor compressors, SigningKeys keys, List<String> regions, Clock clock) {
        this.trail = trail;
        this.state = state;
        this.store = store;
        this.objects = objects;
        this.config = config;
        this.compressors = compressors;
        this.keys = keys;
        this.regions = regions;
        this.clock = clock;
        this.retired = state.retiredTrail().isPresent();
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
        if ((pending.isPresent() || state.pendingDigest().isPresent()) && now.isBefore(retryAt)) {
            return 0;
        }
        if (pending.isPresent()) {
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
        digests(now);
        return read;
    }

    /**
     * Writes the digests that are due: a pending one first, then, chain by chain, one for each period that has ended,
     * then a final one for a chain that ends. False when a write failed (it is tried again after a pause).
     */
    private boolean digests(Instant now) {
        Optional<TrailState.PendingDigest> pending = state.pendingDigest();
        if (pending.isPresent() && !putDigest(pending.get(), now)) {
            return false;
        }
        // A deleted trail's chains end as a stopped trail's do: once what it logged is delivered.
        boolean validating = trail.logFileValidation();
        if (!retired && validating && state.logging()) {
            Instant start = now.truncatedTo(ChronoUnit.SECONDS);
            state.activate(trail.accountId(), trail.homeRegion(), start);
            if (trail.multiRegion()) {
                for (String region : regions) {
                    state.activate(trail.accountId(), region, start);
                }
            }
        }
        boolean stopped = !state.logging() && drained();
        for (TrailState.Chain listed : state.chains()) {
            TrailState.Chain chain = listed;
            while (chain.active()) {
                Instant boundary = nextBoundary(chain.start());
                if (!now.isBefore(boundary)) {
                    if (!writeDigest(chain, boundary, false, now)) {
                        return false;
                    }
                } else if (stopped || !validating || !covered(chain)) {
                    Instant end = now.truncatedTo(ChronoUnit.SECONDS);
                    end = later(end, chain.start().plusSeconds(1));
                    if (chain.lastEnd().isPresent()) {
                        end = later(end, chain.lastEnd().get().plusSeconds(1));
                    }
                    if (!writeDigest(chain, end, true, now)) {
                        return false;
                    }
                } else {
                    break;
                }
                chain = state.chains().stream().filter(candidate -> candidate.id().equals(listed.id())).findFirst()
                        .orElseThrow();
            }
        }
        return true;
    }

    private static Instant later(Instant one, Instant other) {
        return one.isAfter(other) ? one : other;
    }

    /** The first multiple of the digest period after {@code start}. */
    private Instant nextBoundary(Instant start) {
        long period = config.digestPeriod().toMillis();
        return Instant.ofEpochMilli(Math.floorDiv(start.toEpochMilli(), period) * period + period);
    }

    private boolean covered(TrailState.Chain chain) {
        return chain.account().equals(trail.accountId())
                && (chain.region().equals(trail.homeRegion()) || trail.covers(chain.region()));
    }

    /**
     * Whether everything the trail logged is delivered: no batch pending or gathering, every logging window closed
     * and read to its end.
     */
    private boolean drained() {
        if (state.pending().isPresent() || batchOpened.isPresent() || batchFirst < 0) {
            return false;
        }
        for (TrailState.Window window : state.windows()) {
            if (window.end().isEmpty() || window.end().getAsLong() > readTo) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether a deleted trail is done: everything delivered and every chain ended, so its state can go.
     */
    boolean finished() {
        return retired && drained() && state.pendingDigest().isEmpty()
                && state.chains().stream().noneMatch(TrailState.Chain::active);
    }

    /** Makes, signs and records the digest of {@code chain} ending at {@code end}, then writes it. */
    private boolean writeDigest(TrailState.Chain chain, Instant end, boolean last, Instant now) {
        Trail target = trail;
        List<DigestFile.LogFile> listed = chain.files().stream()
                .filter(file -> last || file.delivered().isBefore(end)).map(TrailState.ChainFile::file).toList();
        SigningKeys.Signer signer = keys.signer(chain.region());
        String bucket = target.s3BucketName();
        String key = DigestKeys.key(target.s3KeyPrefix(), chain.account(), chain.region(), target.name(),
                target.homeRegion(), end);
        byte[] json = DigestFile.json(new DigestFile.Content(chain.account(), chain.start(), end, bucket, key,
                signer.fingerprint(), chain.previous(), listed,
                last ? Optional.empty() : Optional.of(end.plus(config.digestPeriod()))));
        String signature = signer.sign(DigestFile.stringToSign(DigestFile.time(end), bucket, key,
                DigestFile.sha256(json), chain.previous().map(DigestFile.Link::signature)));
        TrailState.PendingDigest digest = new TrailState.PendingDigest(chain.account(), chain.region(), bucket, key,
                new String(json, StandardCharsets.UTF_8), signature, end, last, target.kmsKeyId());
        state.beginDigest(digest);
        return putDigest(digest, now);
    }

    private boolean putDigest(TrailState.PendingDigest digest, Instant now) {
        try {
            objects.put(digest.bucket(), digest.key(),
                    DigestFile.gzip(digest.json().getBytes(StandardCharsets.UTF_8)),
                    Map.of(DigestFile.SIGNATURE_METADATA, digest.signature(),
                            DigestFile.ALGORITHM_METADATA, DigestFile.SIGNATURE_ALGORITHM),
                    ObjectStore.Encryption.of(digest.kmsKeyId()));
        } catch (ObjectStoreException e) {
            fail(now, e.code(), e.permanent(), e, true);
            return false;
        } catch (IOException | UncheckedIOException e) {
            fail(now, "InternalError", false, e, true);
            return false;
        }
        state.digestDelivered(clock.instant());
        failures = 0;
        return true;
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
        if (target != null && target.file.records() > 0
                && target.file.sizeWith(entry.body().length) > config.maxFileBytes()) {
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
        Group target = files.computeIfAbsent(group, ignored -> new Group(record.recipientAccountId().orElseThrow(),
                record.awsRegion(), new GzipLogFile(gzipLevel, compressors)));
        target.file.add(entry.body());
        target.oldest = Math.min(target.oldest, record.eventTime());
        target.newest = Math.max(target.newest, record.eventTime());
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
        List<TrailState.DeliveredFile> delivered = new ArrayList<>(files.size());
        try {
            for (Group group : files.values()) {
                GzipLogFile.Finished file = group.file.finish();
                String unique = LogFileKeys.uniqueString(target.arn() + "/" + batch.first() + "/" + batch.last()
                        + "/" + group.account + "/" + group.region);
                String key = LogFileKeys.key(target.s3KeyPrefix(), group.account, group.region,
                        batch.delivered(), unique);
                objects.put(target.s3BucketName(), key, file.bytes(), Map.of(), encryption);
                delivered.add(new TrailState.DeliveredFile(group.account, group.region,
                        new DigestFile.LogFile(target.s3BucketName(), key, file.sha256(),
                                Instant.ofEpochSecond(group.oldest), Instant.ofEpochSecond(group.newest))));
            }
        } catch (ObjectStoreException e) {
            fail(now, e.code(), e.permanent(), e, false);
            return false;
        } catch (IOException | UncheckedIOException e) {
            fail(now, "InternalError", false, e, false);
            return false;
        } finally {
            files.clear();
        }
        state.delivered(clock.instant(), delivered, target.logFileValidation());
        failures = 0;
        return true;
    }

    /**
     * Records the failure and when to try again: capped exponential backoff with jitter, from 1 s up to a minute for
     * failures that time can mend (the store down, throttling), from 30 s up to 5 minutes for those it cannot (the
     * bucket gone, access denied), so that a broken trail neither hammers its store nor waits long once mended.
     */
    private void fail(Instant now, String error, boolean permanent, Exception cause, boolean digest) {
        failures++;
        Duration base = permanent ? Duration.ofSeconds(30) : Duration.ofSeconds(1);
        Duration cap = permanent ? Duration.ofMinutes(5) : Duration.ofMinutes(1);
        long millis = Math.min(cap.toMillis(), base.toMillis() << Math.min(20, failures - 1));
        long jittered = millis / 2 + java.util.concurrent.ThreadLocalRandom.current().nextLong(millis / 2 + 1);
        retryAt = now.plusMillis(jittered);
        if (digest) {
            state.digestFailed(error);
        } else {
            state.failed(now, error);
        }
        LOG.log(Level.WARNING, (digest ? "digest delivery of " : "delivery of ") + trail.arn() + " failed (" + error
                + ", attempt " + failures
                + "); trying again in " + jittered + " ms: " + cause.getMessage());
    }
}
