package cairn.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

import static cairn.store.Entries.await;
import static cairn.store.Entries.bytes;
import static cairn.store.Entries.text;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Compares the store with a brute-force model: a list of every entry, filtered and sorted for each query. Small
 * segments make the entries spread over many segment files, so lookups merge the heap index of the segment being
 * written with the mapped index files of the closed ones.
 */
final class EventStoreModelTest {
    private static final long SEED = 20240601L;
    private static final int ENTRIES = 6000;
    private static final String[] USERS = {"user:alice", "user:bob", "user:carol", "user:dave", "user:erin"};
    private static final String[] EVENTS = {"event:GetObject", "event:PutObject", "event:DeleteObject",
            "event:ListBuckets", "event:AssumeRole", "event:ConsoleLogin", "event:CreateUser"};
    private static final String[] SOURCES = {"source:s3", "source:iam", "source:sts"};
    private static final String RARE = "rare";

    @TempDir
    Path directory;

    record Modelled(long offset, long eventTime, Set<String> terms, String body) {
        Position position() {
            return new Position(eventTime, offset);
        }
    }

    @Test
    void query_randomEntriesOverManySegments_matchesBruteForceModelBeforeAndAfterReopen() throws IOException {
        StoreConfig config = new StoreConfig(directory, 64 << 10, 4096);
        SplittableRandom random = new SplittableRandom(SEED);
        List<Modelled> model = new ArrayList<>();
        try (EventStore store = EventStore.open(config)) {
            appendRandomEntries(store, random, model, ENTRIES / 2);
            compareRandomQueries(store, model, random, 150);
            appendRandomEntries(store, random, model, ENTRIES / 2);
            compareRandomQueries(store, model, random, 150);

            assertThat(store.segmentCount()).as("entries spread over several segments").isGreaterThanOrEqualTo(5);
            assertThat(store.nextOffset()).isEqualTo(ENTRIES);
        }
        int segments = countFiles(".log");
        assertThat(countFiles(".index")).as("every closed segment has a sealed index file").isEqualTo(segments - 1);

        try (EventStore store = EventStore.open(config)) {
            assertThat(store.recoveryReport().truncatedBytes()).isZero();
            assertThat(store.recoveryReport().rebuiltIndexes()).isZero();
            assertThat(store.recoveryReport().notes()).isEmpty();
            assertThat(store.segmentCount()).isEqualTo(segments);
            assertThat(store.nextOffset()).isEqualTo(ENTRIES);
            compareRandomQueries(store, model, random, 150);
            for (Modelled expected : model) {
                StoredEntry read = store.read(expected.offset()).orElseThrow();
                assertThat(read.eventTime()).isEqualTo(expected.eventTime());
                assertThat(text(read.body())).isEqualTo(expected.body());
            }

            appendRandomEntries(store, random, model, 500);
            compareRandomQueries(store, model, random, 50);
        }
    }

    @Test
    void query_afterIndexFilesAreDeleted_rebuildsThemAndMatchesModel() throws IOException {
        StoreConfig config = new StoreConfig(directory, 64 << 10, 4096);
        SplittableRandom random = new SplittableRandom(SEED + 1);
        List<Modelled> model = new ArrayList<>();
        try (EventStore store = EventStore.open(config)) {
            appendRandomEntries(store, random, model, 3000);
        }
        int indexFiles = countFiles(".index");
        assertThat(indexFiles).isGreaterThanOrEqualTo(2);
        try (var files = Files.list(directory)) {
            for (Path file : files.filter(file -> file.toString().endsWith(".index")).toList()) {
                Files.delete(file);
            }
        }

        try (EventStore store = EventStore.open(config)) {
            assertThat(store.recoveryReport().rebuiltIndexes()).isEqualTo(indexFiles);
            assertThat(countFiles(".index")).isEqualTo(indexFiles);
            compareRandomQueries(store, model, random, 100);
        }
    }

    private static void appendRandomEntries(EventStore store, SplittableRandom random, List<Modelled> model, int count) {
        List<List<Entry>> batches = new ArrayList<>();
        List<CompletableFuture<Long>> acknowledged = new ArrayList<>();
        int appended = 0;
        while (appended < count) {
            int size = Math.min(count - appended, random.nextInt(1, 9));
            List<Entry> batch = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                batch.add(randomEntry(random, model.size() + appended + i));
            }
            appended += size;
            batches.add(batch);
            acknowledged.add(store.append(batch));
        }
        for (int b = 0; b < batches.size(); b++) {
            long first = await(acknowledged.get(b));
            List<Entry> batch = batches.get(b);
            for (int i = 0; i < batch.size(); i++) {
                Entry entry = batch.get(i);
                assertThat(first + i).isEqualTo(model.size());
                model.add(new Modelled(first + i, entry.eventTime(),
                        Set.copyOf(entry.terms().stream().map(Entries::text).toList()), text(entry.body())));
            }
        }
    }

    private static Entry randomEntry(SplittableRandom random, int sequence) {
        // Times mostly rise with arrival, with duplicates and some events that arrive late.
        long time = 1_000_000 + sequence / 4 + (random.nextInt(10) == 0 ? -random.nextInt(2000) : 0);
        List<String> terms = new ArrayList<>();
        terms.add(USERS[random.nextInt(USERS.length)]);
        terms.add(EVENTS[random.nextInt(EVENTS.length)]);
        if (random.nextBoolean()) {
            terms.add(SOURCES[random.nextInt(SOURCES.length)]);
        }
        if (random.nextInt(50) == 0) {
            terms.add(RARE);
        }
        String body = "{\"n\":" + sequence + ",\"pad\":\"" + "x".repeat(random.nextInt(40)) + "\"}";
        return new Entry(time, terms.stream().map(Entries::bytes).toList(), bytes(body));
    }

    private static void compareRandomQueries(EventStore store, List<Modelled> model, SplittableRandom random,
                                             int queries) {
        long newest = model.stream().mapToLong(Modelled::eventTime).max().orElse(0);
        long oldest = model.stream().mapToLong(Modelled::eventTime).min().orElse(0);
        for (int q = 0; q < queries; q++) {
            List<String> terms = randomTerms(random);
            long minTime = random.nextInt(4) == 0 ? 0 : random.nextLong(oldest - 10, newest + 1);
            long maxTime = random.nextInt(4) == 0 ? Long.MAX_VALUE : random.nextLong(minTime, newest + 10);
            int limit = random.nextInt(3) == 0 ? Integer.MAX_VALUE : random.nextInt(1, 200);
            String description = terms + " [" + minTime + ", " + maxTime + "] limit " + limit;

            List<Position> expected = model.stream()
                    .filter(entry -> entry.terms().containsAll(terms))
                    .filter(entry -> entry.eventTime() >= minTime && entry.eventTime() <= maxTime)
                    .map(Modelled::position)
                    .sorted(Comparator.reverseOrder())
                    .toList();

            List<Position> paged = new ArrayList<>();
            Optional<Position> after = Optional.empty();
            while (true) {
                QueryResult page = store.query(Entries.query(terms, minTime, maxTime, after, limit));
                int from = paged.size();
                paged.addAll(Entries.positions(page));
                assertThat(page.more()).as(description + " more after " + paged.size())
                        .isEqualTo(paged.size() < expected.size());
                for (int i = 0; i < page.entries().size(); i++) {
                    StoredEntry entry = page.entries().get(i);
                    assertThat(text(entry.body())).isEqualTo(model.get((int) entry.offset()).body());
                }
                if (!page.more()) {
                    break;
                }
                assertThat(page.entries()).hasSize(limit);
                assertThat(paged.subList(from, paged.size())).isNotEmpty();
                after = Optional.of(page.entries().getLast().position());
            }
            assertThat(paged).as(description).isEqualTo(expected);
        }
    }

    private static List<String> randomTerms(SplittableRandom random) {
        List<String> terms = new ArrayList<>();
        switch (random.nextInt(6)) {
            case 0 -> terms.add(USERS[random.nextInt(USERS.length)]);
            case 1 -> terms.add(EVENTS[random.nextInt(EVENTS.length)]);
            case 2 -> {
                terms.add(USERS[random.nextInt(USERS.length)]);
                terms.add(EVENTS[random.nextInt(EVENTS.length)]);
            }
            case 3 -> {
                terms.add(SOURCES[random.nextInt(SOURCES.length)]);
                terms.add(USERS[random.nextInt(USERS.length)]);
                terms.add(EVENTS[random.nextInt(EVENTS.length)]);
            }
            case 4 -> {
                terms.add(RARE);
                if (random.nextBoolean()) {
                    terms.add(USERS[random.nextInt(USERS.length)]);
                }
            }
            default -> terms.add(SOURCES[random.nextInt(SOURCES.length)]);
        }
        return terms;
    }

    private int countFiles(String suffix) throws IOException {
        try (var files = Files.list(directory)) {
            return (int) files.filter(file -> file.getFileName().toString().endsWith(suffix)).count();
        }
    }
}
