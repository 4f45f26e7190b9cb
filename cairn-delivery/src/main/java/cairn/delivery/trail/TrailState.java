package cairn.delivery.trail;

import cairn.delivery.digest.DigestFile;
import cairn.delivery.objectstore.DurableFiles;
import cairn.model.trail.Trail;
import cairn.model.trail.TrailJson;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import static java.util.Objects.requireNonNull;

/**
 * What a trail's delivery keeps on disk, in one JSON file rewritten whole (temporary file, fsync, atomic rename):
 * <ul>
 *   <li>{@code cursor}: every offset below it is done (delivered, or not the trail's);</li>
 *   <li>{@code windows}: the offset ranges {@code [start, end)} in which the trail was logging, the last one open
 *   while it logs. StartLogging opens one at the log's end, StopLogging closes it there, so events that arrive while
 *   a trail is stopped are never delivered, and none before the stop is lost;</li>
 *   <li>{@code pending}: a batch {@code [first, last]} decided but not yet known written: its files are a function of
 *   those offsets, the delivery time, the gzip level and the trail as it was, all kept here, so after a crash the very
 *   same objects are written again before the cursor moves past them;</li>
 *   <li>{@code chains}: for a trail that validates its log files, one digest chain per account and region: where
 *   its current period starts, the digest it links back to, and the log files delivered since (written in the same
 *   save that moves the cursor past them, so each is listed exactly once);</li>
 *   <li>{@code pendingDigest}: a digest made and signed but not yet known written, kept whole, so that after a crash
 *   the very same object is written again before the chain moves on;</li>
 *   <li>the status GetTrailStatus reports;</li>
 *   <li>{@code retiredTrail}: for a deleted trail still finishing its deliveries, the trail as it was.</li>
 * </ul>
 * Thread-safe: the API changes windows while the delivery thread moves the cursor.
 */
final class TrailState {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Path file;
    private long cursor;
    private final List<Window> windows = new ArrayList<>();
    private Optional<Pending> pending = Optional.empty();
    private Optional<Instant> latestDelivery = Optional.empty();
    private Optional<Instant> latestAttempt = Optional.empty();
    private Optional<Instant> latestSuccess = Optional.empty();
    private Optional<String> latestError = Optional.empty();
    private final Map<String, Chain> chains = new LinkedHashMap<>();
    private Optional<PendingDigest> pendingDigest = Optional.empty();
    private Optional<Instant> latestDigest = Optional.empty();
    private Optional<String> latestDigestError = Optional.empty();
    private Optional<Trail> retiredTrail = Optional.empty();

    /** Offsets {@code [start, end)} in which the trail logged; {@code end} empty while it still does. */
    record Window(long start, OptionalLong end) {
        Window {
            requireNonNull(end, "end is null");
        }
    }

    /** A batch being written: its offsets, its delivery time, the level and trail it is written with. */
    record Pending(long first, long last, Instant delivered, int gzipLevel, Trail trail) {
        Pending {
            requireNonNull(delivered, "delivered is null");
            requireNonNull(trail, "trail is null");
        }
    }

    /** What GetTrailStatus tells of delivery. */
    record Status(Optional<Instant> latestDelivery, Optional<Instant> latestAttempt, Optional<Instant> latestSuccess,
                  Optional<String> latestError, Optional<Instant> latestDigest, Optional<String> latestDigestError) {
    }

    /**
     * The digest chain of one account and region. While {@code active}, its current period starts at {@code start},
     * links back to {@code previous} (none: its next digest starts the chain) and has {@code files} delivered so far.
     * {@code lastEnd}, kept when the chain ends, is the end time of its latest digest, so that no later digest of
     * the account and region takes the same key.
     */
    record Chain(String account, String region, boolean active, Instant start, Optional<DigestFile.Link> previous,
                 List<ChainFile> files, Optional<Instant> lastEnd) {
        Chain {
            requireNonNull(start, "start is null");
            requireNonNull(previous, "previous is null");
            files = List.copyOf(files);
            requireNonNull(lastEnd, "lastEnd is null");
        }

        String id() {
            return account + "/" + region;
        }
    }

    /** A log file in a chain, and the time it was delivered (which digest period it belongs to). */
    record ChainFile(DigestFile.LogFile file, Instant delivered) {
    }

    /** A log file a batch delivered, for the chain of its account and region. */
    record DeliveredFile(String account, String region, DigestFile.LogFile file) {
    }

    /**
     * A digest being written: where, its exact JSON and signature, its period's end, whether it ends its chain, and
     * the KMS key it is encrypted with.
     */
    record PendingDigest(String account, String region, String bucket, String key, String json, String signature,
                         Instant end, boolean last, Optional<String> kmsKeyId) {
        PendingDigest {
            requireNonNull(bucket, "bucket is null");
            requireNonNull(key, "key is null");
            requireNonNull(json, "json is null");
            requireNonNull(signature, "signature is null");
            requireNonNull(end, "end is null");
            requireNonNull(kmsKeyId, "kmsKeyId is null");
        }
    }

    private TrailState(Path file) {
        this.file = file;
    }

    /** The state kept in {@code file}, or a new one (cursor 0, no windows) when there is none. */
    static TrailState load(Path file) {
        TrailState state = new TrailState(file);
        if (!Files.exists(file)) {
            return state;
        }
        try {
            JsonNode root = JSON.readTree(file.toFile());
            state.cursor = root.get("cursor").asLong();
            for (JsonNode window : root.path("windows")) {
                JsonNode end = window.get("end");
                state.windows.add(new Window(window.get("start").asLong(),
                        end == null || end.isNull() ? OptionalLong.empty() : OptionalLong.of(end.asLong())));
            }
            JsonNode pending = root.get("pending");
            if (pending != null && !pending.isNull()) {
                state.pending = Optional.of(new Pending(pending.get("first").asLong(), pending.get("last").asLong(),
                        Instant.parse(pending.get("delivered").asText()), pending.get("gzipLevel").asInt(),
                        TrailJson.read(pending.get("trail"))));
            }
            state.latestDelivery = instant(root, "latestDelivery");
            state.latestAttempt = instant(root, "latestAttempt");
            state.latestSuccess = instant(root, "latestSuccess");
            state.latestError = text(root, "latestError");
            state.latestDigest = instant(root, "latestDigest");
            state.latestDigestError = text(root, "latestDigestError");
            for (JsonNode chain : root.path("chains")) {
                Chain read = readChain(chain);
                state.chains.put(read.id(), read);
            }
            JsonNode digest = root.get("pendingDigest");
            if (digest != null && !digest.isNull()) {
                state.pendingDigest = Optional.of(new PendingDigest(digest.get("account").asText(),
                        digest.get("region").asText(), digest.get("bucket").asText(), digest.get("key").asText(),
                        digest.get("json").asText(), digest.get("signature").asText(),
                        Instant.parse(digest.get("end").asText()), digest.get("last").asBoolean(),
                        text(digest, "kmsKeyId")));
            }
            JsonNode retired = root.get("retiredTrail");
            if (retired != null && !retired.isNull()) {
                state.retiredTrail = Optional.of(TrailJson.read(retired));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + file, e);
        }
        return state;
    }

    private static Optional<Instant> instant(JsonNode root, String field) {
        return text(root, field).map(Instant::parse);
    }

    private static Optional<String> text(JsonNode root, String field) {
        return Optional.ofNullable(root.get(field)).filter(node -> !node.isNull()).map(JsonNode::asText);
    }

    private static Chain readChain(JsonNode chain) {
        JsonNode previous = chain.get("previous");
        Optional<DigestFile.Link> link = previous == null || previous.isNull() ? Optional.empty()
                : Optional.of(new DigestFile.Link(previous.get("bucket").asText(), previous.get("key").asText(),
                previous.get("sha256").asText(), previous.get("signature").asText()));
        List<ChainFile> files = new ArrayList<>();
        for (JsonNode file : chain.path("files")) {
            files.add(new ChainFile(new DigestFile.LogFile(file.get("bucket").asText(), file.get("key").asText(),
                    file.get("sha256").asText(), Instant.parse(file.get("oldest").asText()),
                    Instant.parse(file.get("newest").asText())), Instant.parse(file.get("delivered").asText())));
        }
        return new Chain(chain.get("account").asText(), chain.get("region").asText(),
                chain.get("active").asBoolean(), Instant.parse(chain.get("start").asText()), link, files,
                instant(chain, "lastEnd"));
    }

    synchronized long cursor() {
        return cursor;
    }

    synchronized List<Window> windows() {
        return List.copyOf(windows);
    }

    synchronized Optional<Pending> pending() {
        return pending;
    }

    synchronized boolean logging() {
        return !windows.isEmpty() && windows.getLast().end().isEmpty();
    }

    synchronized Status status() {
        return new Status(latestDelivery, latestAttempt, latestSuccess, latestError, latestDigest,
                latestDigestError);
    }

    synchronized List<Chain> chains() {
        return List.copyOf(chains.values());
    }

    synchronized Optional<PendingDigest> pendingDigest() {
        return pendingDigest;
    }

    synchronized Optional<Trail> retiredTrail() {
        return retiredTrail;
    }

    /** Starts a chain for the account and region at {@code start}, unless one is going; false when one was. */
    synchronized boolean activate(String account, String region, Instant start) {
        if (activateQuietly(account, region, start)) {
            save();
            return true;
        }
        return false;
    }

    private boolean activateQuietly(String account, String region, Instant start) {
        String id = account + "/" + region;
        Chain chain = chains.get(id);
        if (chain != null && chain.active()) {
            return false;
        }
        Optional<Instant> lastEnd = chain == null ? Optional.empty() : chain.lastEnd();
        // A chain ended by a final digest pushed past now (it lasts a second at least) starts no earlier than that
        // digest's end, so that no digest of the new chain takes its key.
        Instant from = lastEnd.filter(start::isBefore).orElse(start);
        chains.put(id, new Chain(account, region, true, from, Optional.empty(), List.of(), lastEnd));
        return true;
    }

    /** Records the digest about to be written; it must be finished before anything else is. */
    synchronized void beginDigest(PendingDigest digest) {
        if (pendingDigest.isPresent()) {
            throw new IllegalStateException("a digest is pending already: " + pendingDigest.get().key());
        }
        pendingDigest = Optional.of(digest);
        save();
    }

    /**
     * The pending digest is written: its chain links to it and drops the files it listed (those delivered before its
     * end), or ends when it was the last.
     */
    synchronized void digestDelivered(Instant at) {
        PendingDigest digest = pendingDigest.orElseThrow();
        String id = digest.account() + "/" + digest.region();
        Chain chain = chains.get(id);
        Optional<Instant> lastEnd = Optional.of(digest.end());
        if (digest.last()) {
            chains.put(id, new Chain(digest.account(), digest.region(), false, digest.end(), Optional.empty(),
                    List.of(), lastEnd));
        } else {
            DigestFile.Link link = new DigestFile.Link(digest.bucket(), digest.key(),
                    DigestFile.sha256(digest.json().getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                    digest.signature());
            List<ChainFile> later = chain.files().stream().filter(file -> !file.delivered().isBefore(digest.end()))
                    .toList();
            chains.put(id, new Chain(digest.account(), digest.region(), true, digest.end(), Optional.of(link), later,
                    lastEnd));
        }
        pendingDigest = Optional.empty();
        latestDigest = Optional.of(at);
        latestDigestError = Optional.empty();
        save();
    }

    /** A write of the pending digest failed; it stays pending and is tried again. */
    synchronized void digestFailed(String error) {
        latestDigestError = Optional.of(error);
        save();
    }

    /** Starts a window at {@code offset}, unless one is open; false when one was. */
    synchronized boolean open(long offset) {
        if (logging()) {
            return false;
        }
        windows.add(new Window(Math.max(offset, cursor), OptionalLong.empty()));
        save();
        return true;
    }

    /** Ends the open window at {@code offset}; false when none was open. */
    synchronized boolean close(long offset) {
        if (!logging()) {
            return false;
        }
        Window open = windows.removeLast();
        if (offset > open.start()) {
            windows.add(new Window(open.start(), OptionalLong.of(offset)));
        }
        save();
        return true;
    }

    /** Records the batch about to be written; it must be finished before anything else is. */
    synchronized void begin(Pending batch) {
        if (pending.isPresent()) {
            throw new IllegalStateException("a batch is pending already: " + pending.get());
        }
        pending = Optional.of(batch);
        save();
    }

    /**
     * The pending batch goes where the trail now delivers ({@link Trail#withDestinationOf}): same offsets, time,
     * level and selection, so the same records in the same bytes, under the new bucket and prefix.
     */
    synchronized void retarget(Trail current) {
        Pending batch = pending.orElseThrow();
        pending = Optional.of(new Pending(batch.first(), batch.last(), batch.delivered(), batch.gzipLevel(),
                batch.trail().withDestinationOf(current)));
        save();
    }

    /**
     * The pending batch is written: the cursor moves past it, and its files join the chains of their accounts and
     * regions (a chain starts with the batch when {@code validating} and none is going), in the same save.
     */
    synchronized void delivered(Instant at, List<DeliveredFile> files, boolean validating) {
        Pending batch = pending.orElseThrow();
        pending = Optional.empty();
        for (DeliveredFile delivered : files) {
            String id = delivered.account() + "/" + delivered.region();
            Chain chain = chains.get(id);
            if (chain == null || !chain.active()) {
                if (!validating) {
                    continue;
                }
                activateQuietly(delivered.account(), delivered.region(), batch.delivered());
                chain = chains.get(id);
            }
            List<ChainFile> listed = new ArrayList<>(chain.files());
            listed.add(new ChainFile(delivered.file(), batch.delivered()));
            chains.put(id, new Chain(chain.account(), chain.region(), true, chain.start(), chain.previous(), listed,
                    chain.lastEnd()));
        }
        latestDelivery = Optional.of(batch.delivered());
        latestAttempt = Optional.of(at);
        latestSuccess = Optional.of(at);
        latestError = Optional.empty();
        moveCursor(batch.last() + 1);
    }

    /** A write of the pending batch failed; it stays pending and is tried again. */
    synchronized void failed(Instant at, String error) {
        latestAttempt = Optional.of(at);
        latestError = Optional.of(error);
        save();
    }

    /** Offsets below {@code offset} hold nothing for the trail (none of them was chosen). */
    synchronized void skipTo(long offset) {
        if (pending.isPresent()) {
            throw new IllegalStateException("a batch is pending: " + pending.get());
        }
        if (offset > cursor) {
            moveCursor(offset);
        }
    }

    private void moveCursor(long offset) {
        cursor = offset;
        windows.removeIf(window -> window.end().isPresent() && window.end().getAsLong() <= cursor);
        save();
    }

    /**
     * The trail is deleted but has deliveries to finish: its state moves to {@code retiredFile}, with the trail as it
     * was, so that a trail made again under the same name starts afresh.
     */
    synchronized void retire(Trail trail, Path retiredFile) {
        Path old = file;
        retiredTrail = Optional.of(trail);
        file = retiredFile;
        save();
        try {
            Files.deleteIfExists(old);
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + old, e);
        }
    }

    /** Forgets the trail: its state file goes (its delivered files stay). */
    synchronized void delete() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + file, e);
        }
    }

    private void save() {
        ObjectNode root = JSON.createObjectNode();
        root.put("cursor", cursor);
        ArrayNode list = root.putArray("windows");
        for (Window window : windows) {
            ObjectNode node = list.addObject().put("start", window.start());
            if (window.end().isPresent()) {
                node.put("end", window.end().getAsLong());
            }
        }
        pending.ifPresent(batch -> {
            ObjectNode node = root.putObject("pending").put("first", batch.first()).put("last", batch.last())
                    .put("delivered", batch.delivered().toString()).put("gzipLevel", batch.gzipLevel());
            TrailJson.write(batch.trail(), node.putObject("trail"));
        });
        latestDelivery.ifPresent(at -> root.put("latestDelivery", at.toString()));
        latestAttempt.ifPresent(at -> root.put("latestAttempt", at.toString()));
        latestSuccess.ifPresent(at -> root.put("latestSuccess", at.toString()));
        latestError.ifPresent(error -> root.put("latestError", error));
        latestDigest.ifPresent(at -> root.put("latestDigest", at.toString()));
        latestDigestError.ifPresent(error -> root.put("latestDigestError", error));
        ArrayNode chainList = chains.isEmpty() ? JSON.createArrayNode() : root.putArray("chains");
        for (Chain chain : chains.values()) {
            ObjectNode node = chainList.addObject().put("account", chain.account()).put("region", chain.region())
                    .put("active", chain.active()).put("start", chain.start().toString());
            chain.lastEnd().ifPresent(end -> node.put("lastEnd", end.toString()));
            chain.previous().ifPresent(link -> node.putObject("previous").put("bucket", link.bucket())
                    .put("key", link.key()).put("sha256", link.sha256()).put("signature", link.signature()));
            ArrayNode files = node.putArray("files");
            for (ChainFile listed : chain.files()) {
                DigestFile.LogFile logFile = listed.file();
                files.addObject().put("bucket", logFile.bucket()).put("key", logFile.key())
                        .put("sha256", logFile.sha256()).put("oldest", logFile.oldestEvent().toString())
                        .put("newest", logFile.newestEvent().toString())
                        .put("delivered", listed.delivered().toString());
            }
        }
        pendingDigest.ifPresent(digest -> {
            ObjectNode node = root.putObject("pendingDigest").put("account", digest.account())
                    .put("region", digest.region()).put("bucket", digest.bucket()).put("key", digest.key())
                    .put("json", digest.json()).put("signature", digest.signature())
                    .put("end", digest.end().toString()).put("last", digest.last());
            digest.kmsKeyId().ifPresent(kms -> node.put("kmsKeyId", kms));
        });
        retiredTrail.ifPresent(trail -> TrailJson.write(trail, root.putObject("retiredTrail")));
        try {
            DurableFiles.writeAtomically(file, JSON.writeValueAsBytes(root), ".tmp");
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + file, e);
        }
    }
}
