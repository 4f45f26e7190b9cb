package cairn.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.stream.LongStream;

import static cairn.store.Entries.append;
import static cairn.store.Entries.await;
import static cairn.store.Entries.bytes;
import static cairn.store.Entries.query;
import static cairn.store.EventStoreTest.fileNames;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Expiry by event time. Each entry here is a 1024-byte frame, so a 4 KiB segment holds four: offsets 0-3 are in
 * segment 0, 4-7 in segment 4, 8-11 in segment 8, and so on.
 */
final class EventStoreExpiryTest {
    @TempDir
    Path directory;

    private StoreConfig config() {
        return new StoreConfig(directory, 4096, 1024);
    }

    /** Segment 0 holds times 100-103, segment 4 200-203, segment 8 (being written) 300-301. */
    private EventStore storeWithThreeSegments() throws IOException {
        EventStore store = EventStore.open(config());
        for (long time : new long[] {100, 101, 102, 103, 200, 201, 202, 203, 300, 301}) {
            append(store, entryAt(time));
        }
        assertThat(store.segmentCount()).isEqualTo(3);
        return store;
    }

    @ParameterizedTest(name = "horizon {0} deletes {1} segment(s)")
    @CsvSource(delimiter = '|', textBlock = """
            0   | 0 | 9,8,7,6,5,4,3,2,1,0
            103 | 0 | 9,8,7,6,5,4,3,2,1,0
            104 | 1 | 9,8,7,6,5,4
            203 | 1 | 9,8,7,6,5,4
            204 | 2 | 9,8
            301 | 2 | 9,8
            """)
    void expireBefore_horizon_deletesClosedSegmentsWhoseNewestEventIsOlder(long horizon, int deleted,
                                                                           String remainingOffsets) throws IOException {
        try (EventStore store = storeWithThreeSegments()) {
            assertThat(await(store.expireBefore(horizon))).isEqualTo(deleted);

            assertThat(store.segmentCount()).isEqualTo(3 - deleted);
            assertThat(offsets(store)).isEqualTo(remainingOffsets);
            assertThat(store.nextOffset()).isEqualTo(10);
        }
    }

    @Test
    void expireBefore_closedSegmentsOlderThanHorizon_deletesTheirFiles() throws IOException {
        try (EventStore store = storeWithThreeSegments()) {
            // The index files of closed segments are written in the background, so only the logs are certain here.
            assertThat(fileNames(directory)).contains("00000000000000000000.log", "00000000000000000004.log",
                    "00000000000000000008.log");

            assertThat(await(store.expireBefore(250))).isEqualTo(2);

            assertThat(fileNames(directory)).containsExactly("00000000000000000008.log");
            assertThat(store.read(0)).isEmpty();
            assertThat(store.read(7)).isEmpty();
            assertThat(store.read(8).orElseThrow().eventTime()).isEqualTo(300);
        }
    }

    @Test
    void expireBefore_activeSegmentAllOlderThanHorizon_rollsAndDeletesItToo() throws IOException {
        try (EventStore store = storeWithThreeSegments()) {
            assertThat(await(store.expireBefore(302))).isEqualTo(3);

            assertThat(store.segmentCount()).isEqualTo(1);
            assertThat(store.query(query("t")).entries()).isEmpty();
            assertThat(store.nextOffset()).isEqualTo(10);
            assertThat(fileNames(directory)).containsExactly("00000000000000000010.log");
            assertThat(append(store, entryAt(400))).isEqualTo(10);
            assertThat(offsets(store)).isEqualTo("10");
        }
    }

    @Test
    void expireBefore_activeSegmentWithOneNewEnoughEvent_keepsIt() throws IOException {
        try (EventStore store = storeWithThreeSegments()) {
            assertThat(await(store.expireBefore(301))).isEqualTo(2);

            assertThat(fileNames(directory)).containsExactly("00000000000000000008.log");
            assertThat(append(store, entryAt(302))).isEqualTo(10);
            assertThat(offsets(store)).isEqualTo("10,9,8");
        }
    }

    @Test
    void expireBefore_segmentWithOneLateButNewEvent_keepsTheWholeSegment() throws IOException {
        // Segment 0 holds mostly old events and one new one; expiry goes by the newest.
        try (EventStore store = EventStore.open(config())) {
            for (long time : new long[] {100, 900, 100, 100, 200, 200, 200, 200, 1000}) {
                append(store, entryAt(time));
            }

            assertThat(await(store.expireBefore(500))).isEqualTo(1);

            assertThat(offsets(store)).isEqualTo("8,1,3,2,0");
        }
    }

    @Test
    void expireBefore_emptyStore_deletesNothing() throws IOException {
        try (EventStore store = EventStore.open(config())) {
            assertThat(await(store.expireBefore(Keys.MAX_TIME))).isZero();

            assertThat(store.segmentCount()).isEqualTo(1);
            assertThat(fileNames(directory)).containsExactly("00000000000000000000.log");
        }
    }

    @Test
    void expireBefore_twice_deletesNothingTheSecondTime() throws IOException {
        try (EventStore store = storeWithThreeSegments()) {
            assertThat(await(store.expireBefore(1000))).isEqualTo(3);
            assertThat(await(store.expireBefore(1000))).isZero();

            assertThat(store.nextOffset()).isEqualTo(10);
        }
    }

    @Test
    void expireBefore_thenReopen_keepsTheRemainingSegmentsAndOffsets() throws IOException {
        try (EventStore store = storeWithThreeSegments()) {
            assertThat(await(store.expireBefore(150))).isEqualTo(1);
        }

        try (EventStore store = EventStore.open(config())) {
            assertThat(store.recoveryReport().notes()).isEmpty();
            assertThat(store.recoveryReport().rebuiltIndexes()).isZero();
            assertThat(store.segmentCount()).isEqualTo(2);
            assertThat(store.nextOffset()).isEqualTo(10);
            assertThat(offsets(store)).isEqualTo("9,8,7,6,5,4");
            assertThat(store.read(3)).isEmpty();
            assertThat(append(store, entryAt(500))).isEqualTo(10);
        }
    }

    @Test
    void expireBefore_everything_thenReopen_continuesAfterTheLastOffset() throws IOException {
        try (EventStore store = storeWithThreeSegments()) {
            assertThat(await(store.expireBefore(Keys.MAX_TIME))).isEqualTo(3);
        }

        try (EventStore store = EventStore.open(config())) {
            assertThat(store.nextOffset()).isEqualTo(10);
            assertThat(store.recoveryReport().nextOffset()).isEqualTo(10);
            assertThat(store.query(query("t")).entries()).isEmpty();
            assertThat(append(store, entryAt(1))).isEqualTo(10);
        }
    }

    @Test
    void expireBefore_queuedBetweenAppends_appliesToExactlyTheBatchesQueuedBeforeIt() throws IOException {
        try (EventStore store = EventStore.open(config())) {
            List<CompletableFuture<Long>> acknowledged = new ArrayList<>();
            CompletableFuture<Integer> expired = null;
            for (int i = 0; i < 40; i++) {
                acknowledged.add(store.append(List.of(entryAt(i < 20 ? 10 : 1000))));
                if (i == 25) {
                    expired = store.expireBefore(500);
                }
            }
            for (int i = 0; i < 40; i++) {
                assertThat(await(acknowledged.get(i))).isEqualTo(i);
            }

            // Offsets 0-19 (time 10) filled segments 0, 4, 8, 12 and 16; offsets 20-25 (time 1000) were written
            // before the expiry and 26-39 after it.
            assertThat(await(expired)).isEqualTo(5);
            assertThat(store.query(query("t")).entries()).extracting(StoredEntry::offset)
                    .containsExactlyElementsOf(LongStream.iterate(39, offset -> offset >= 20, offset -> offset - 1)
                            .boxed().toList());
            assertThat(store.read(19)).isEmpty();
            assertThat(store.nextOffset()).isEqualTo(40);
        }
    }

    @Test
    void expireBefore_afterClose_failsWithStoreClosed() throws IOException {
        EventStore store = storeWithThreeSegments();
        store.close();

        CompletableFuture<Integer> refused = store.expireBefore(1000);

        // Fails at once, as append does; it must not wait for a writer that has stopped.
        assertThat(refused).failsWithin(Duration.ofSeconds(5)).withThrowableOfType(ExecutionException.class)
                .havingCause().isExactlyInstanceOf(IOException.class);
    }

    /** A 1024-byte frame carrying the term "t". */
    private static Entry entryAt(long eventTime) {
        return new Entry(eventTime, List.of(bytes("t")), new byte[1002]);
    }

    private static String offsets(EventStore store) {
        return String.join(",", store.query(query("t")).entries().stream()
                .map(entry -> String.valueOf(entry.offset())).toList());
    }
}
