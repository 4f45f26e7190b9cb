package cairn.server.trail;

import cairn.delivery.objectstore.DurableFiles;
import cairn.model.error.CloudTrailException;
import cairn.model.error.ErrorCode;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Every trail of every account, kept in {@code data/trails/trails.json}: read at start, written whole (temporary file,
 * fsync, atomic rename) on every change, so a crash leaves the old list or the new one. The server is the only
 * writer. Thread-safe.
 */
public final class Trails {
    public static final int MAX_TRAILS_PER_REGION = 5;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private List<Trail> trails;

    private Trails(Path file, List<Trail> trails) {
        this.file = file;
        this.trails = trails;
    }

    public static Trails open(Path folder) throws IOException {
        Files.createDirectories(folder);
        Path file = folder.resolve("trails.json");
        List<Trail> trails = new ArrayList<>();
        if (Files.exists(file)) {
            for (JsonNode node : JSON.readTree(file.toFile()).path("trails")) {
                trails.add(TrailJson.read(node));
            }
        }
        return new Trails(file, List.copyOf(trails));
    }

    /** Every trail of every account. */
    public synchronized List<Trail> all() {
        return trails;
    }

    /** The account's trails. */
    public synchronized List<Trail> of(String accountId) {
        return trails.stream().filter(trail -> trail.accountId().equals(accountId)).toList();
    }

    /** Adds a trail, within the limit of trails that cover each region. */
    public synchronized void add(Trail trail, List<String> regions) {
        for (Trail existing : of(trail.accountId())) {
            if (existing.name().equals(trail.name())) {
                throw new CloudTrailException(ErrorCode.TRAIL_ALREADY_EXISTS, "Trail " + trail.name()
                        + " already exists for customer: " + trail.accountId());
            }
        }
        checkLimit(trail, Optional.empty(), regions);
        List<Trail> changed = new ArrayList<>(trails);
        changed.add(trail);
        save(changed);
    }

    /** Puts {@code updated} in the place of {@code trail} (UpdateTrail), within the per-region limit. */
    public synchronized Trail replace(Trail trail, Trail updated, List<String> regions) {
        checkLimit(updated, Optional.of(trail), regions);
        return update(trail, found -> updated);
    }

    private void checkLimit(Trail trail, Optional<Trail> replacing, List<String> regions) {
        for (String region : regionsToCheck(trail, regions)) {
            long covering = of(trail.accountId()).stream()
                    .filter(existing -> replacing.map(old -> !old.equals(existing)).orElse(true))
                    .filter(existing -> existing.covers(region)).count();
            if (covering >= MAX_TRAILS_PER_REGION) {
                throw new CloudTrailException(ErrorCode.MAXIMUM_NUMBER_OF_TRAILS_EXCEEDED, "User: "
                        + trail.accountId() + " already has " + covering + " trails in " + region + "; the most is "
                        + MAX_TRAILS_PER_REGION + ".");
            }
        }
    }

    /**
     * The regions where adding {@code trail} could pass the limit: its home region, or for a multi-region trail every
     * served region; when any region is served, those where the account's trails live (elsewhere only multi-region
     * trails count, and they count everywhere alike).
     */
    private List<String> regionsToCheck(Trail trail, List<String> regions) {
        if (!trail.multiRegion()) {
            return List.of(trail.homeRegion());
        }
        if (!regions.isEmpty()) {
            return regions;
        }
        java.util.Set<String> homes = new java.util.TreeSet<>();
        homes.add(trail.homeRegion());
        of(trail.accountId()).forEach(existing -> homes.add(existing.homeRegion()));
        return List.copyOf(homes);
    }

    /** Replaces a trail (same account and name) by what {@code change} makes of it; returns the new one. */
    public synchronized Trail update(Trail trail, UnaryOperator<Trail> change) {
        List<Trail> changed = new ArrayList<>(trails);
        int index = changed.indexOf(trail);
        if (index < 0) {
            throw new CloudTrailException(ErrorCode.TRAIL_NOT_FOUND, "Unknown trail: " + trail.arn()
                    + " for the user: " + trail.accountId());
        }
        Trail updated = change.apply(trail);
        changed.set(index, updated);
        save(changed);
        return updated;
    }

    public synchronized void remove(Trail trail) {
        List<Trail> changed = new ArrayList<>(trails);
        changed.remove(trail);
        save(changed);
    }

    private void save(List<Trail> changed) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode list = root.putArray("trails");
        for (Trail trail : changed) {
            TrailJson.write(trail, list.addObject());
        }
        try {
            DurableFiles.writeAtomically(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root), ".tmp");
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + file, e);
        }
        trails = List.copyOf(changed);
    }
}
