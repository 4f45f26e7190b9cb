package cairn.delivery.trail;

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
import java.util.List;
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
 *   <li>the status GetTrailStatus reports.</li>
 * </ul>
 * Thread-safe: the API changes windows while the delivery thread moves the cursor.
 */
final class TrailState {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private long cursor;
    private final List<Window> windows = new ArrayList<>();
    private Optional<Pending> pending = Optional.empty();
    private Optional<Instant> latestDelivery = Optional.empty();
    private Optional<Instant> latestAttempt = Optional.empty();
    private Optional<Instant> latestSuccess = Optional.empty();
    private Optional<String> latestError = Optional.empty();

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
                  Optional<String> latestError) {
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
            state.latestError = Optional.ofNullable(root.get("latestError")).filter(node -> !node.isNull())
                    .map(JsonNode::asText);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + file, e);
        }
        return state;
    }

    private static Optional<Instant> instant(JsonNode root, String field) {
        return Optional.ofNullable(root.get(field)).filter(node -> !node.isNull())
                .map(node -> Instant.parse(node.asText()));
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
        return new Status(latestDelivery, latestAttempt, latestSuccess, latestError);
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

    /** The pending batch is written: the cursor moves past it. */
    synchronized void delivered(Instant at) {
        Pending batch = pending.orElseThrow();
        pending = Optional.empty();
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
        try {
            DurableFiles.writeAtomically(file, JSON.writeValueAsBytes(root), ".tmp");
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + file, e);
        }
    }
}
