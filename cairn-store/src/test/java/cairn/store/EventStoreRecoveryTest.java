package cairn.store;

import cairn.store.segment.Frame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

import static cairn.store.Entries.append;
import static cairn.store.Entries.bodies;
import static cairn.store.Entries.bytes;
import static cairn.store.Entries.entry;
import static cairn.store.Entries.query;
import static cairn.store.Entries.text;
import static cairn.store.EventStoreTest.fileNames;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Opening a store after a clean close or a crash. Crashes are simulated on the files of a closed store: a torn write
 * is a segment file cut short, a crash during preallocation or a bad sector is garbage after the last frame.
 */
final class EventStoreRecoveryTest {
    private static final String FIRST_LOG = "00000000000000000000.log";

    /** Acknowledged before the crash. */
    private static final List<Entry> BATCH_A = List.of(entry(100, "a0", "t", "user:alice"),
            entry(101, "a1", "t", "user:bob"), entry(102, "a2", "t", "user:alice"));
    private static final List<Entry> BATCH_B = List.of(entry(90, "b0 arrived late", "t", "user:bob"),
            entry(110, "b1", "t", "user:carol"));
    /** Being written when the store crashed: any part of it may have reached the disk. */
    private static final List<Entry> BATCH_C = List.of(entry(120, "c0", "t", "user:alice"),
            entry(121, "c1 with a longer body to make the frames differ", "t"), entry(122, "c2", "t", "user:bob"));

    @TempDir
    Path directory;

    @Test
    void open_afterCleanClose_keepsEveryEntryAndReportsNothingCut() throws IOException {
        writeBatches(directory, BATCH_A, BATCH_B, BATCH_C);

        try (EventStore store = EventStore.open(StoreConfig.in(directory))) {
            RecoveryReport report = store.recoveryReport();
            assertThat(report.segments()).isEqualTo(1);
            assertThat(report.records()).isEqualTo(8);
            assertThat(report.nextOffset()).isEqualTo(8);
            assertThat(report.truncatedBytes()).isZero();
            assertThat(report.truncatedFrames()).isZero();
            assertThat(report.rebuiltIndexes()).isZero();
            assertThat(report.notes()).isEmpty();
            assertThat(report.summary())
                    .isEqualTo("opened 1 segment(s), 8 record(s) in " + report.took().toMillis() + " ms");
            assertThat(bodies(store.query(query("t")))).containsExactly("c2",
                    "c1 with a longer body to make the frames differ", "c0", "b1", "a2", "a1", "a0", "b0 arrived late");
            assertThat(bodies(store.query(query("user:alice", "t")))).containsExactly("c0", "a2", "a0");
        }
    }

    /**
     * Cuts the file at every byte inside the last batch: the batch is dropped as a whole, the report says exactly
     * what was cut, the batches before it are intact and the next append takes the first free offset.
     */
    @Test
    void open_lastBatchTornAtEveryBytePosition_dropsExactlyThatBatch() throws IOException {
        Path pristine = directory.resolve("pristine");
        writeBatches(pristine, BATCH_A, BATCH_B, BATCH_C);
        long batchStart = framesSize(BATCH_A) + framesSize(BATCH_B);
        long batchEnd = batchStart + framesSize(BATCH_C);
        assertThat(Files.size(pristine.resolve(FIRST_LOG))).isEqualTo(batchEnd);

        for (long cut = batchStart + 1; cut < batchEnd; cut++) {
            Path crashed = directory.resolve("cut-at-" + cut);
            Files.createDirectories(crashed);
            Files.copy(pristine.resolve(FIRST_LOG), crashed.resolve(FIRST_LOG));
            truncate(crashed.resolve(FIRST_LOG), cut);
            int wholeFrames = wholeFramesBefore(BATCH_C, cut - batchStart);
            boolean tornFrame = framesSize(BATCH_C.subList(0, wholeFrames)) != cut - batchStart;

            try (EventStore store = EventStore.open(StoreConfig.in(crashed))) {
                RecoveryReport report = store.recoveryReport();
                String at = "cut at " + cut;
                assertThat(report.truncatedBytes()).as(at).isEqualTo(cut - batchStart);
                assertThat(report.truncatedFrames()).as(at).isEqualTo(wholeFrames + (tornFrame ? 1 : 0));
                assertThat(report.notes()).as(at).containsExactly(String.format(
                        "%s: cut %d byte(s) after position %d (%d whole frame(s) of an unfinished batch, %s)",
                        FIRST_LOG, cut - batchStart, batchStart, wholeFrames,
                        tornFrame ? "then a torn or corrupt frame" : "no torn frame"));
                assertThat(report.records()).as(at).isEqualTo(5);
                assertThat(report.nextOffset()).as(at).isEqualTo(5);
                assertThat(Files.size(crashed.resolve(FIRST_LOG))).as(at).isEqualTo(batchStart);
                assertThat(bodies(store.query(query("t")))).as(at)
                        .containsExactly("b1", "a2", "a1", "a0", "b0 arrived late");
                assertThat(store.read(5)).as(at).isEmpty();

                assertThat(append(store, entry(130, "after recovery", "t"))).as(at).isEqualTo(5);
            }
            try (EventStore store = EventStore.open(StoreConfig.in(crashed))) {
                assertThat(store.recoveryReport().truncatedBytes()).as("cut at " + cut).isZero();
                assertThat(store.recoveryReport().notes()).isEmpty();
                assertThat(text(store.read(5).orElseThrow().body())).isEqualTo("after recovery");
                assertThat(store.nextOffset()).isEqualTo(6);
            }
        }
    }

    @Test
    void open_tornWriteReport_summarisesWhatWasCut() throws IOException {
        writeBatches(directory, BATCH_A, BATCH_C);
        long batchStart = framesSize(BATCH_A);
        truncate(directory.resolve(FIRST_LOG), batchStart + Frame.size(BATCH_C.get(0)) + 3);

        try (EventStore store = EventStore.open(StoreConfig.in(directory))) {
            RecoveryReport report = store.recoveryReport();
            long cutBytes = Frame.size(BATCH_C.get(0)) + 3;
            assertThat(report.summary()).isEqualTo("opened 1 segment(s), 3 record(s) in " + report.took().toMillis()
                    + " ms; cut a torn tail of " + cutBytes + " byte(s), 2 unacknowledged frame(s)");
        }
    }

    @Test
    void open_onlyBatchTorn_leavesAnEmptyStoreAtOffsetZero() throws IOException {
        writeBatches(directory, BATCH_C);
        truncate(directory.resolve(FIRST_LOG), 1);

        try (EventStore store = EventStore.open(StoreConfig.in(directory))) {
            assertThat(store.recoveryReport().truncatedBytes()).isEqualTo(1);
            assertThat(store.recoveryReport().truncatedFrames()).isEqualTo(1);
            assertThat(store.recoveryReport().records()).isZero();
            assertThat(store.nextOffset()).isZero();
            assertThat(store.query(query("t")).entries()).isEmpty();
            assertThat(append(store, entry(1, "fresh", "t"))).isZero();
        }
    }

    enum Garbage {
        ZEROS, ONES, RANDOM, PLAUSIBLE_LENGTH
    }

    @ParameterizedTest
    @EnumSource(Garbage.class)
    void open_garbageAfterLastFrame_isCut(Garbage kind) throws IOException {
        writeBatches(directory, BATCH_A, BATCH_B);
        long end = framesSize(BATCH_A) + framesSize(BATCH_B);
        byte[] garbage = new byte[100];
        switch (kind) {
            case ZEROS -> {
            }
            case ONES -> Arrays.fill(garbage, (byte) 0xff);
            case RANDOM -> new SplittableRandom(3).nextBytes(garbage);
            // A length that fits, then a checksum that does not.
            case PLAUSIBLE_LENGTH -> ByteBuffer.wrap(garbage).putInt(50).putInt(12345);
        }
        Files.write(directory.resolve(FIRST_LOG), garbage, StandardOpenOption.APPEND);

        try (EventStore store = EventStore.open(StoreConfig.in(directory))) {
            RecoveryReport report = store.recoveryReport();
            assertThat(report.truncatedBytes()).isEqualTo(100);
            assertThat(report.truncatedFrames()).isEqualTo(1);
            assertThat(report.notes()).containsExactly(FIRST_LOG + ": cut 100 byte(s) after position " + end
                    + " (0 whole frame(s) of an unfinished batch, then a torn or corrupt frame)");
            assertThat(Files.size(directory.resolve(FIRST_LOG))).isEqualTo(end);
            assertThat(store.nextOffset()).isEqualTo(5);
            assertThat(append(store, entry(200, "next", "t"))).isEqualTo(5);
            assertThat(bodies(store.query(query("t")))).containsExactly("next", "b1", "a2", "a1", "a0",
                    "b0 arrived late");
        }
    }

    @ParameterizedTest(name = "corrupt byte in frame {0} of the last batch")
    @ValueSource(ints = {0, 1, 2})
    void open_corruptByteInLastBatch_dropsTheWholeBatch(int frame) throws IOException {
        writeBatches(directory, BATCH_A, BATCH_C);
        long batchStart = framesSize(BATCH_A);
        long frameStart = batchStart + framesSize(BATCH_C.subList(0, frame));
        // The last byte of the frame's body.
        flipByte(directory.resolve(FIRST_LOG), frameStart + Frame.size(BATCH_C.get(frame)) - 1);

        try (EventStore store = EventStore.open(StoreConfig.in(directory))) {
            RecoveryReport report = store.recoveryReport();
            assertThat(report.truncatedBytes()).isEqualTo(framesSize(BATCH_C));
            assertThat(report.truncatedFrames()).isEqualTo(frame + 1);
            assertThat(report.notes()).containsExactly(FIRST_LOG + ": cut " + framesSize(BATCH_C)
                    + " byte(s) after position " + batchStart + " (" + frame
                    + " whole frame(s) of an unfinished batch, then a torn or corrupt frame)");
            assertThat(bodies(store.query(query("t")))).containsExactly("a2", "a1", "a0");
            assertThat(store.nextOffset()).isEqualTo(3);
        }
    }

    @Test
    void open_tornTailOfLastSegmentAfterSeveralSegments_keepsClosedSegmentsAndContinuesOffsets() throws IOException {
        StoreConfig config = new StoreConfig(directory, 4096, 1024);
        try (EventStore store = EventStore.open(config)) {
            for (int i = 0; i < 10; i++) {
                append(store, largeEntry(i));
            }
        }
        Path last = directory.resolve("00000000000000000008.log");
        assertThat(Files.size(last)).isEqualTo(2048);
        truncate(last, 1024 + 500);

        try (EventStore store = EventStore.open(config)) {
            RecoveryReport report = store.recoveryReport();
            assertThat(report.segments()).isEqualTo(3);
            assertThat(report.nextOffset()).isEqualTo(9);
            assertThat(report.truncatedBytes()).isEqualTo(500);
            assertThat(report.truncatedFrames()).isEqualTo(1);
            assertThat(report.rebuiltIndexes()).isZero();
            assertThat(report.notes()).containsExactly("00000000000000000008.log: cut 500 byte(s) after position 1024"
                    + " (0 whole frame(s) of an unfinished batch, then a torn or corrupt frame)");
            for (long offset = 0; offset < 9; offset++) {
                assertThat(store.read(offset).orElseThrow().eventTime()).isEqualTo(offset);
            }
            assertThat(store.read(9)).isEmpty();
            assertThat(append(store, largeEntry(9))).isEqualTo(9);
            assertThat(store.query(query("t")).entries()).extracting(StoredEntry::offset)
                    .containsExactly(9L, 8L, 7L, 6L, 5L, 4L, 3L, 2L, 1L, 0L);
        }
    }

    @Test
    void open_afterCleanCloseWithSeveralSegments_reportsEveryRecordHeld() throws IOException {
        StoreConfig config = new StoreConfig(directory, 4096, 1024);
        try (EventStore store = EventStore.open(config)) {
            for (int i = 0; i < 10; i++) {
                append(store, largeEntry(i));
            }
        }

        try (EventStore store = EventStore.open(config)) {
            RecoveryReport report = store.recoveryReport();
            assertThat(report.segments()).isEqualTo(3);
            assertThat(report.nextOffset()).isEqualTo(10);
            assertThat(report.records()).isEqualTo(10);
            assertThat(report.summary()).startsWith("opened 3 segment(s), 10 record(s) in ");
        }
    }

    @Test
    void open_withLowerMaxEntryBytesThanWhenWritten_keepsAcknowledgedEntries() throws IOException {
        try (EventStore store = EventStore.open(new StoreConfig(directory, 1 << 20, 8192))) {
            append(store, new Entry(1, List.of(bytes("t")), new byte[4000]));
            append(store, entry(2, "small", "t"));
        }

        try (EventStore store = EventStore.open(new StoreConfig(directory, 1 << 20, 1024))) {
            assertThat(store.recoveryReport().truncatedBytes()).isZero();
            assertThat(store.nextOffset()).isEqualTo(2);
            assertThat(store.read(0).orElseThrow().body()).hasSize(4000);
        }
    }

    enum IndexDamage {
        DELETED, EMPTY, CUT_IN_HALF, ZEROED, WRONG_MAGIC, OF_ANOTHER_SEGMENT, TRAILING_BYTES
    }

    @ParameterizedTest
    @EnumSource(IndexDamage.class)
    void open_damagedIndexOfClosedSegment_rebuildsItWithIdenticalResults(IndexDamage damage) throws IOException {
        StoreConfig config = new StoreConfig(directory, 4096, 1024);
        List<List<String>> before = new ArrayList<>();
        try (EventStore store = EventStore.open(config)) {
            for (int i = 0; i < 10; i++) {
                append(store, largeEntry(i % 2 == 0 ? i : 100 - i));
            }
        }
        try (EventStore store = EventStore.open(config)) {
            before.addAll(allQueries(store));
        }
        Path index = directory.resolve("00000000000000000004.index");
        byte[] intact = Files.readAllBytes(index);
        switch (damage) {
            case DELETED -> Files.delete(index);
            case EMPTY -> Files.write(index, new byte[0]);
            case CUT_IN_HALF -> truncate(index, intact.length / 2);
            case ZEROED -> Files.write(index, new byte[intact.length]);
            case WRONG_MAGIC -> flipByte(index, 0);
            case OF_ANOTHER_SEGMENT -> Files.copy(directory.resolve("00000000000000000000.index"), index,
                    StandardCopyOption.REPLACE_EXISTING);
            case TRAILING_BYTES -> Files.write(index, new byte[8], StandardOpenOption.APPEND);
        }

        try (EventStore store = EventStore.open(config)) {
            RecoveryReport report = store.recoveryReport();
            assertThat(report.rebuiltIndexes()).isEqualTo(1);
            assertThat(report.truncatedBytes()).isZero();
            assertThat(report.summary()).endsWith("; rebuilt 1 segment index(es)");
            assertThat(allQueries(store)).isEqualTo(before);
        }
        assertThat(Files.readAllBytes(index)).isEqualTo(intact);
        try (EventStore store = EventStore.open(config)) {
            assertThat(store.recoveryReport().rebuiltIndexes()).isZero();
            assertThat(allQueries(store)).isEqualTo(before);
        }
    }

    @Test
    void open_garbageAfterLastFrameOfClosedSegment_cutsItAndRebuildsItsIndex() throws IOException {
        StoreConfig config = new StoreConfig(directory, 4096, 1024);
        try (EventStore store = EventStore.open(config)) {
            for (int i = 0; i < 10; i++) {
                append(store, largeEntry(i));
            }
        }
        Files.write(directory.resolve("00000000000000000004.log"), new byte[20], StandardOpenOption.APPEND);

        try (EventStore store = EventStore.open(config)) {
            RecoveryReport report = store.recoveryReport();
            assertThat(report.rebuiltIndexes()).isEqualTo(1);
            assertThat(report.truncatedBytes()).isEqualTo(20);
            assertThat(report.notes()).containsExactly("00000000000000000004.log: cut 20 byte(s) after position 4096"
                    + " (0 whole frame(s) of an unfinished batch, then a torn or corrupt frame)");
            assertThat(store.nextOffset()).isEqualTo(10);
            assertThat(store.query(query("t")).entries()).hasSize(10);
        }
        assertThat(Files.size(directory.resolve("00000000000000000004.log"))).isEqualTo(4096);
    }

    @Test
    void open_closedSegmentCutShort_rebuildsItsIndexAndNotesTheLostOffsets() throws IOException {
        StoreConfig config = new StoreConfig(directory, 4096, 1024);
        try (EventStore store = EventStore.open(config)) {
            for (int i = 0; i < 10; i++) {
                append(store, largeEntry(i));
            }
        }
        // Segment 4 loses the second half of its last frame; its index no longer matches and is rebuilt.
        truncate(directory.resolve("00000000000000000004.log"), 4096 - 500);

        try (EventStore store = EventStore.open(config)) {
            RecoveryReport report = store.recoveryReport();
            assertThat(report.rebuiltIndexes()).isEqualTo(1);
            assertThat(report.truncatedBytes()).isEqualTo(524);
            assertThat(report.truncatedFrames()).isEqualTo(1);
            assertThat(report.notes()).containsExactly(
                    "00000000000000000004.log: cut 524 byte(s) after position 3072"
                            + " (0 whole frame(s) of an unfinished batch, then a torn or corrupt frame)",
                    "offsets 7 to 7 are in no segment (expired by retention, or a segment was lost or cut short)");
            assertThat(store.read(6)).isPresent();
            assertThat(store.read(7)).isEmpty();
            assertThat(store.query(query("t")).entries()).extracting(StoredEntry::offset)
                    .containsExactly(9L, 8L, 6L, 5L, 4L, 3L, 2L, 1L, 0L);
            assertThat(store.nextOffset()).isEqualTo(10);
        }
    }

    @Test
    void open_middleSegmentLost_notesTheMissingOffsetsAndKeepsTheRest() throws IOException {
        StoreConfig config = new StoreConfig(directory, 4096, 1024);
        try (EventStore store = EventStore.open(config)) {
            for (int i = 0; i < 10; i++) {
                append(store, largeEntry(i));
            }
        }
        Files.delete(directory.resolve("00000000000000000004.log"));
        Files.delete(directory.resolve("00000000000000000004.index"));

        try (EventStore store = EventStore.open(config)) {
            assertThat(store.recoveryReport().notes())
                    .containsExactly("offsets 4 to 7 are in no segment (expired by retention, or a segment was lost or cut short)");
            assertThat(store.read(3)).isPresent();
            assertThat(store.read(4)).isEmpty();
            assertThat(store.read(7)).isEmpty();
            assertThat(store.read(8)).isPresent();
            assertThat(store.query(query("t")).entries()).extracting(StoredEntry::offset)
                    .containsExactly(9L, 8L, 3L, 2L, 1L, 0L);
            assertThat(append(store, largeEntry(10))).isEqualTo(10);
        }
    }

    @Test
    void open_leftoverTemporaryFiles_areDeleted() throws IOException {
        StoreConfig config = new StoreConfig(directory, 4096, 1024);
        try (EventStore store = EventStore.open(config)) {
            for (int i = 0; i < 5; i++) {
                append(store, largeEntry(i));
            }
        }
        Files.write(directory.resolve("00000000000000000004.index.tmp"), new byte[10]);

        try (EventStore store = EventStore.open(config)) {
            assertThat(store.recoveryReport().rebuiltIndexes()).isZero();
        }
        assertThat(fileNames(directory)).containsExactly("00000000000000000000.index", "00000000000000000000.log",
                "00000000000000000004.log");
    }

    @Test
    void open_indexFileOfTheActiveSegment_isIgnoredAndDeleted() throws IOException {
        StoreConfig config = new StoreConfig(directory, 4096, 1024);
        try (EventStore store = EventStore.open(config)) {
            for (int i = 0; i < 6; i++) {
                append(store, largeEntry(i));
            }
        }
        // An index for the active segment can only be stale: the segment may have grown after it was written.
        Files.copy(directory.resolve("00000000000000000000.index"), directory.resolve("00000000000000000004.index"));

        try (EventStore store = EventStore.open(config)) {
            assertThat(store.nextOffset()).isEqualTo(6);
            assertThat(store.query(query("t")).entries()).hasSize(6);
            assertThat(append(store, largeEntry(6))).isEqualTo(6);
        }
        assertThat(fileNames(directory)).doesNotContain("00000000000000000004.index");
    }

    /** Frames of 1024 bytes, four to a 4 KiB segment. */
    static Entry largeEntry(long eventTime) {
        return new Entry(eventTime, List.of(bytes("t")), new byte[1002]);
    }

    /** The results of a few queries, each entry written as offset@time:body-length so they compare by value. */
    private static List<List<String>> allQueries(EventStore store) {
        List<QueryResult> results = List.of(
                store.query(query("t")),
                store.query(Entries.query(List.of("t"), 5, 95, Optional.empty(), 3)),
                store.query(Entries.query(List.of("t"), 0, 50, Optional.of(new Position(6, 6)), 100)));
        return results.stream().map(result -> result.entries().stream()
                .map(entry -> entry.offset() + "@" + entry.eventTime() + ":" + entry.body().length)
                .toList()).toList();
    }

    @SafeVarargs
    private static void writeBatches(Path directory, List<Entry>... batches) throws IOException {
        try (EventStore store = EventStore.open(StoreConfig.in(directory))) {
            for (List<Entry> batch : batches) {
                Entries.await(store.append(batch));
            }
        }
    }

    private static long framesSize(List<Entry> batch) {
        return batch.stream().mapToLong(Frame::size).sum();
    }

    private static int wholeFramesBefore(List<Entry> batch, long bytes) {
        int whole = 0;
        long end = 0;
        for (Entry entry : batch) {
            end += Frame.size(entry);
            if (end > bytes) {
                break;
            }
            whole++;
        }
        return whole;
    }

    private static void truncate(Path file, long size) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(size);
        }
    }

    private static void flipByte(Path file, long position) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, position);
            one.put(0, (byte) (one.get(0) ^ 0x5a)).rewind();
            channel.write(one, position);
        }
    }
}
