package cairn.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static cairn.store.Entries.PATIENCE;
import static cairn.store.Entries.append;
import static cairn.store.Entries.await;
import static cairn.store.Entries.bodies;
import static cairn.store.Entries.bytes;
import static cairn.store.Entries.entry;
import static cairn.store.Entries.query;
import static cairn.store.Entries.text;
import static org.assertj.core.api.Assertions.assertThat;

/** Appending and reading back: offsets, durability order, group commit from many threads, and refused input. */
final class EventStoreTest {
    @TempDir
    Path directory;

    @Test
    void open_emptyDirectory_createsFirstSegmentAtOffsetZero() throws IOException {
        Path storeDirectory = directory.resolve("not/yet/there");
        try (EventStore store = EventStore.open(StoreConfig.in(storeDirectory))) {
            assertThat(store.nextOffset()).isZero();
            assertThat(store.segmentCount()).isEqualTo(1);
            assertThat(store.read(0)).isEmpty();
            assertThat(store.recoveryReport().segments()).isEqualTo(1);
            assertThat(store.recoveryReport().records()).isZero();
            assertThat(store.recoveryReport().nextOffset()).isZero();
        }
        assertThat(fileNames(storeDirectory)).containsExactly("00000000000000000000.log");
    }

    @Test
    void append_batch_returnsOffsetOfFirstEntryAndEntriesReadBackByteForByte() throws IOException {
        byte[] binaryBody = new byte[256];
        for (int i = 0; i < binaryBody.length; i++) {
            binaryBody[i] = (byte) i;
        }
        try (EventStore store = EventStore.open(StoreConfig.in(directory))) {
            long first = append(store, entry(1_700_000_000L, "{\"eventName\":\"PutObject\"}", "user:alice"),
                    new Entry(1_700_000_001L, List.of(bytes("user:bob"), new byte[0]), binaryBody),
                    entry(0, "", "user:carol"));

            assertThat(first).isZero();
            assertThat(store.nextOffset()).isEqualTo(3);
            StoredEntry put = store.read(0).orElseThrow();
            assertThat(put.offset()).isZero();
            assertThat(put.eventTime()).isEqualTo(1_700_000_000L);
            assertThat(text(put.body())).isEqualTo("{\"eventName\":\"PutObject\"}");
            StoredEntry binary = store.read(1).orElseThrow();
            assertThat(binary.offset()).isEqualTo(1);
            assertThat(binary.eventTime()).isEqualTo(1_700_000_001L);
            assertThat(binary.body()).isEqualTo(binaryBody);
            StoredEntry empty = store.read(2).orElseThrow();
            assertThat(empty.eventTime()).isZero();
            assertThat(empty.body()).isEmpty();
            assertThat(empty.position()).isEqualTo(new Position(0, 2));
        }
    }

    @Test
    void append_successiveBatches_getContiguousOffsets() throws IOException {
        try (EventStore store = EventStore.open(StoreConfig.in(directory))) {
            assertThat(append(store, entry(10, "a"), entry(10, "b"))).isZero();
            assertThat(append(store, entry(10, "c"))).isEqualTo(2);
            assertThat(append(store, entry(10, "d"), entry(10, "e"), entry(10, "f"))).isEqualTo(3);
            assertThat(append(store, entry(10, "g"))).isEqualTo(6);

            assertThat(store.nextOffset()).isEqualTo(7);
            List<String> all = new ArrayList<>();
            for (long offset = 0; offset < 7; offset++) {
                all.add(text(store.read(offset).orElseThrow().body()));
            }
            assertThat(all).containsExactly("a", "b", "c", "d", "e", "f", "g");
        }
    }

    @Test
    void append_entryWithLargestEventTime_isKeptExactly() throws IOException {
        try (EventStore store = EventStore.open(StoreConfig.in(directory))) {
            append(store, entry(Keys.MAX_TIME, "last second", "t"));

            assertThat(store.read(0).orElseThrow().eventTime()).isEqualTo(Keys.MAX_TIME);
            assertThat(bodies(store.query(query("t")))).containsExactly("last second");
        }
    }

    @Test
    void append_manyBatchesWithoutWaiting_areAcknowledgedInSubmissionOrder() throws IOException {
        try (EventStore store = EventStore.open(StoreConfig.in(directory))) {
            List<CompletableFuture<Long>> acknowledged = new ArrayList<>();
            for (int batch = 0; batch < 2000; batch++) {
                acknowledged.add(store.append(List.of(entry(batch, "first of " + batch), entry(batch, "second of " + batch))));
            }

            for (int batch = 0; batch < 2000; batch++) {
                assertThat(await(acknowledged.get(batch))).isEqualTo(2L * batch);
            }
            assertThat(store.nextOffset()).isEqualTo(4000);
            assertThat(text(store.read(3999).orElseThrow().body())).isEqualTo("second of 1999");
        }
    }

    @Test
    void append_fromManyThreadsAtOnce_acknowledgesEveryBatchWithItsOwnContiguousOffsets() throws Exception {
        int threads = 16;
        int batchesPerThread = 60;
        record Acknowledged(long firstOffset, List<String> bodies) {
        }
        try (EventStore store = EventStore.open(StoreConfig.in(directory));
             ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<List<Acknowledged>>> perThread = new ArrayList<>();
            for (int thread = 0; thread < threads; thread++) {
                int writer = thread;
                perThread.add(pool.submit(() -> {
                    SplittableRandom random = new SplittableRandom(writer);
                    List<CompletableFuture<Long>> futures = new ArrayList<>();
                    List<List<String>> batches = new ArrayList<>();
                    for (int b = 0; b < batchesPerThread; b++) {
                        List<String> batchBodies = new ArrayList<>();
                        List<Entry> batch = new ArrayList<>();
                        for (int i = random.nextInt(1, 6); i > 0; i--) {
                            String body = "writer " + writer + " batch " + b + " entry " + batchBodies.size();
                            batchBodies.add(body);
                            batch.add(entry(1000 + b, body, "writer:" + writer));
                        }
                        batches.add(batchBodies);
                        futures.add(store.append(batch));
                        if (b % 7 == 0) {
                            await(futures.getLast());
                        }
                    }
                    List<Acknowledged> acknowledged = new ArrayList<>();
                    for (int b = 0; b < batchesPerThread; b++) {
                        acknowledged.add(new Acknowledged(await(futures.get(b)), batches.get(b)));
                    }
                    return acknowledged;
                }));
            }
            List<Acknowledged> all = new ArrayList<>();
            for (Future<List<Acknowledged>> future : perThread) {
                all.addAll(future.get(PATIENCE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS));
            }

            all.sort((left, right) -> Long.compare(left.firstOffset(), right.firstOffset()));
            long expectedNext = 0;
            for (Acknowledged batch : all) {
                assertThat(batch.firstOffset()).as("batches cover the offsets without gaps or overlaps")
                        .isEqualTo(expectedNext);
                for (int i = 0; i < batch.bodies().size(); i++) {
                    assertThat(text(store.read(batch.firstOffset() + i).orElseThrow().body()))
                            .isEqualTo(batch.bodies().get(i));
                }
                expectedNext += batch.bodies().size();
            }
            assertThat(all).hasSize(threads * batchesPerThread);
            assertThat(store.nextOffset()).isEqualTo(expectedNext);
            for (int writer = 0; writer < threads; writer++) {
                int writerIndex = writer;
                List<String> expected = new ArrayList<>(all.stream()
                        .filter(batch -> batch.bodies().getFirst().startsWith("writer " + writerIndex + " "))
                        .flatMap(batch -> batch.bodies().stream()).toList());
                List<String> found = new ArrayList<>(bodies(store.query(query("writer:" + writer))));
                Collections.sort(expected);
                Collections.sort(found);
                assertThat(found).isEqualTo(expected);
            }
        }
    }

    @Test
    void read_offsetNotWritten_isEmpty() throws IOException {
        try (EventStore store = EventStore.open(StoreConfig.in(directory))) {
            append(store, entry(5, "only"));

            assertThat(store.read(1)).isEmpty();
            assertThat(store.read(Long.MAX_VALUE)).isEmpty();
            assertThat(store.read(-1)).isEmpty();
        }
    }

    @Test
    void append_emptyBatch_failsAndWritesNothing() throws IOException {
        try (EventStore store = EventStore.open(StoreConfig.in(directory))) {
            CompletableFuture<Long> refused = store.append(List.of());

            assertThat(refused).failsWithin(PATIENCE).withThrowableOfType(ExecutionException.class)
                    .havingCause().isExactlyInstanceOf(IllegalArgumentException.class).withMessage("empty batch");
            assertThat(store.nextOffset()).isZero();
        }
    }

    @Test
    void append_entryOfExactlyMaxEntryBytes_isAccepted() throws IOException {
        // The limit applies to the payload: 1 flag byte + 8 time bytes + 2 term-count bytes + body.
        StoreConfig config = new StoreConfig(directory, 4096, 1024);
        try (EventStore store = EventStore.open(config)) {
            assertThat(append(store, new Entry(1, List.of(), new byte[1024 - 11]))).isZero();
            assertThat(store.read(0).orElseThrow().body()).hasSize(1013);
        }
    }

    @Test
    void append_entryOneByteOverMaxEntryBytes_failsAndWritesNothingOfItsBatch() throws IOException {
        StoreConfig config = new StoreConfig(directory, 4096, 1024);
        try (EventStore store = EventStore.open(config)) {
            CompletableFuture<Long> refused = store.append(List.of(entry(1, "fine"),
                    new Entry(1, List.of(), new byte[1024 - 11 + 1])));

            assertThat(refused).failsWithin(PATIENCE).withThrowableOfType(ExecutionException.class)
                    .havingCause().isExactlyInstanceOf(IllegalArgumentException.class)
                    .withMessage("entry of 1025 bytes (body and terms) exceeds the limit of 1024");
            assertThat(store.nextOffset()).isZero();
            assertThat(append(store, entry(1, "next"))).isZero();
        }
    }

    @Test
    void append_batchLargerThanASegment_failsAndWritesNothing() throws IOException {
        StoreConfig config = new StoreConfig(directory, 4096, 1024);
        List<Entry> batch = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            batch.add(new Entry(1, List.of(), new byte[1000]));
        }
        try (EventStore store = EventStore.open(config)) {
            CompletableFuture<Long> refused = store.append(batch);

            assertThat(refused).failsWithin(PATIENCE).withThrowableOfType(ExecutionException.class)
                    .havingCause().isExactlyInstanceOf(IllegalArgumentException.class)
                    .withMessage("batch larger than a segment");
            assertThat(store.nextOffset()).isZero();
        }
    }

    @Test
    void append_batchFillingAWholeSegment_isAcceptedInOneSegment() throws IOException {
        // Four frames of 1024 bytes fill a 4 KiB segment exactly: 8 header + 11 fixed + 1005 body.
        StoreConfig config = new StoreConfig(directory, 4096, 1024);
        List<Entry> batch = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            batch.add(new Entry(1, List.of(), new byte[1005]));
        }
        try (EventStore store = EventStore.open(config)) {
            assertThat(append(store, entry(1, "before"))).isZero();
            assertThat(append(store, batch.toArray(Entry[]::new))).isEqualTo(1);

            assertThat(store.segmentCount()).isEqualTo(2);
            assertThat(store.nextOffset()).isEqualTo(5);
        }
        assertThat(Files.size(directory.resolve("00000000000000000001.log"))).isEqualTo(4096);
    }

    @Test
    void append_batchLargerThanTheWriteBuffer_isWrittenWhole() throws IOException {
        // Three entries at the default 1 MiB limit: more than the writer's initial 1 MiB buffer.
        List<Entry> batch = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            byte[] body = new byte[StoreConfig.DEFAULT_MAX_ENTRY_BYTES - 11 - 3];
            java.util.Arrays.fill(body, (byte) ('a' + i));
            batch.add(new Entry(i, List.of(bytes("t")), body));
        }
        try (EventStore store = EventStore.open(StoreConfig.in(directory))) {
            assertThat(append(store, entry(0, "small", "t"))).isZero();
            assertThat(append(store, batch.toArray(Entry[]::new))).isEqualTo(1);

            for (int i = 0; i < 3; i++) {
                assertThat(store.read(1 + i).orElseThrow().body()).isEqualTo(batch.get(i).body());
            }
        }
        try (EventStore reopened = EventStore.open(StoreConfig.in(directory))) {
            assertThat(reopened.nextOffset()).isEqualTo(4);
            assertThat(reopened.read(3).orElseThrow().body()).isEqualTo(batch.get(2).body());
        }
    }

    @Test
    void append_afterClose_failsWithStoreClosed() throws IOException {
        EventStore store = EventStore.open(StoreConfig.in(directory));
        store.close();

        CompletableFuture<Long> refused = store.append(List.of(entry(1, "late")));

        assertThat(refused).failsWithin(PATIENCE).withThrowableOfType(ExecutionException.class)
                .havingCause().isExactlyInstanceOf(IOException.class).withMessage("the event store is closed");
    }

    @Test
    void close_twice_isHarmless() throws IOException {
        EventStore store = EventStore.open(StoreConfig.in(directory));
        append(store, entry(1, "kept"));
        store.close();
        store.close();

        try (EventStore reopened = EventStore.open(StoreConfig.in(directory))) {
            assertThat(text(reopened.read(0).orElseThrow().body())).isEqualTo("kept");
        }
    }

    @Test
    void close_withBatchesStillQueued_writesThemBeforeStopping() throws IOException {
        List<CompletableFuture<Long>> acknowledged = new ArrayList<>();
        try (EventStore store = EventStore.open(StoreConfig.in(directory))) {
            for (int i = 0; i < 500; i++) {
                acknowledged.add(store.append(List.of(entry(i, "entry " + i))));
            }
        }

        for (int i = 0; i < 500; i++) {
            assertThat(acknowledged.get(i)).isCompletedWithValue((long) i);
        }
        try (EventStore reopened = EventStore.open(StoreConfig.in(directory))) {
            assertThat(reopened.nextOffset()).isEqualTo(500);
        }
    }

    @Test
    void append_whenTheNextSegmentCannotBeCreated_failsThatAndEveryLaterAppend() throws IOException {
        StoreConfig config = new StoreConfig(directory, 4096, 1024);
        try (EventStore store = EventStore.open(config)) {
            for (int i = 0; i < 4; i++) {
                append(store, new Entry(i, List.of(bytes("t")), new byte[1002]));
            }
            // The file the store would roll to is in the way.
            Files.write(directory.resolve("00000000000000000004.log"), new byte[0]);

            CompletableFuture<Long> rolling = store.append(List.of(new Entry(4, List.of(bytes("t")), new byte[1002])));
            assertThat(rolling).failsWithin(PATIENCE).withThrowableOfType(ExecutionException.class)
                    .havingCause().isExactlyInstanceOf(IOException.class).withMessage("the event store failed")
                    .havingCause().isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
            CompletableFuture<Long> later = store.append(List.of(entry(5, "later", "t")));
            assertThat(later).failsWithin(PATIENCE).withThrowableOfType(ExecutionException.class)
                    .havingCause().isExactlyInstanceOf(IOException.class).withMessage("the event store is failed");

            assertThat(store.nextOffset()).isEqualTo(4);
            assertThat(store.query(query("t")).entries()).hasSize(4);
        }
        try (EventStore reopened = EventStore.open(config)) {
            assertThat(reopened.recoveryReport().rebuiltIndexes()).isEqualTo(1);
            assertThat(reopened.nextOffset()).isEqualTo(4);
            assertThat(append(reopened, entry(6, "after restart", "t"))).isEqualTo(4);
        }
    }

    @Test
    void query_fromOtherThreadsWhileSegmentsRoll_alwaysSeesEveryAcknowledgedEntryInOrder() throws Exception {
        StoreConfig config = new StoreConfig(directory, 4096, 1024);
        int total = 400;
        try (EventStore store = EventStore.open(config);
             ExecutorService readers = Executors.newFixedThreadPool(2)) {
            java.util.concurrent.atomic.AtomicLong acknowledged = new java.util.concurrent.atomic.AtomicLong();
            java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
            List<Future<Integer>> checks = new ArrayList<>();
            for (int reader = 0; reader < 2; reader++) {
                checks.add(readers.submit(() -> {
                    int queries = 0;
                    while (writing.get() || queries == 0) {
                        long seen = acknowledged.get();
                        QueryResult result = store.query(query("t"));
                        List<Position> positions = result.entries().stream().map(StoredEntry::position).toList();
                        assertThat(positions).isSortedAccordingTo(java.util.Comparator.reverseOrder());
                        assertThat(positions.size()).isGreaterThanOrEqualTo((int) seen);
                        if (seen > 0) {
                            assertThat(store.read(seen - 1)).isPresent();
                        }
                        queries++;
                    }
                    return queries;
                }));
            }
            for (int i = 0; i < total; i++) {
                // Times go up and down so that late events land in every segment.
                // About 40 frames of 100 bytes to a segment.
                append(store, entry(1000 + (i % 2 == 0 ? i : i / 2), String.format("entry %-70d", i), "t"));
                acknowledged.set(i + 1);
            }
            writing.set(false);
            for (Future<Integer> check : checks) {
                assertThat(check.get(PATIENCE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)).isPositive();
            }

            assertThat(store.segmentCount()).isGreaterThan(5);
            assertThat(store.query(query("t")).entries()).hasSize(total);
        }
    }

    @Test
    void segments_rollWhenFull_offsetsStayContiguousAcrossSegmentFiles() throws IOException {
        StoreConfig config = new StoreConfig(directory, 4096, 1024);
        try (EventStore store = EventStore.open(config)) {
            for (int i = 0; i < 10; i++) {
                // 1024-byte frames: four to a segment.
                assertThat(append(store, new Entry(i, List.of(bytes("t")), new byte[1002]))).isEqualTo(i);
            }

            assertThat(store.segmentCount()).isEqualTo(3);
            for (long offset = 0; offset < 10; offset++) {
                assertThat(store.read(offset).orElseThrow().eventTime()).isEqualTo(offset);
            }
        }
        assertThat(fileNames(directory)).containsExactly(
                "00000000000000000000.index", "00000000000000000000.log",
                "00000000000000000004.index", "00000000000000000004.log",
                "00000000000000000008.log");
    }

    static List<String> fileNames(Path directory) throws IOException {
        try (var files = Files.list(directory)) {
            return files.map(file -> file.getFileName().toString()).sorted().toList();
        }
    }
}
