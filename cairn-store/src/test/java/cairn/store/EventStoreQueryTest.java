package cairn.store;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;

import static cairn.store.Entries.append;
import static cairn.store.Entries.bodies;
import static cairn.store.Entries.bytes;
import static cairn.store.Entries.entry;
import static cairn.store.Entries.positions;
import static cairn.store.Entries.query;
import static org.assertj.core.api.Assertions.assertThat;

/** Lookups by terms over a time range: order, intersection, bounds, limits and paging. */
final class EventStoreQueryTest {
    @TempDir
    Path directory;
    EventStore store;

    @BeforeEach
    void open() throws IOException {
        store = EventStore.open(StoreConfig.in(directory));
    }

    @AfterEach
    void close() throws IOException {
        store.close();
    }

    @Test
    void query_entriesAppendedInTimeOrder_returnsNewestFirst() {
        append(store, entry(100, "a", "t"), entry(200, "b", "t"));
        append(store, entry(300, "c", "t"));

        QueryResult result = store.query(query("t"));

        assertThat(bodies(result)).containsExactly("c", "b", "a");
        assertThat(positions(result)).containsExactly(new Position(300, 2), new Position(200, 1), new Position(100, 0));
        assertThat(result.more()).isFalse();
    }

    @Test
    void query_sameEventTime_returnsHigherOffsetFirst() {
        append(store, entry(100, "first", "t"), entry(100, "second", "t"));
        append(store, entry(100, "third", "t"));

        assertThat(bodies(store.query(query("t")))).containsExactly("third", "second", "first");
    }

    @Test
    void query_lateEvents_sortByEventTimeNotByArrival() {
        append(store, entry(500, "on time 500", "t"));
        append(store, entry(600, "on time 600", "t"));
        append(store, entry(100, "late 100", "t"), entry(550, "late 550", "t"));
        append(store, entry(600, "late 600", "t"));
        append(store, entry(50, "very late 50", "t"));

        assertThat(bodies(store.query(query("t"))))
                .containsExactly("late 600", "on time 600", "late 550", "on time 500", "late 100", "very late 50");
    }

    @Test
    void query_termNobodyCarries_isEmpty() {
        append(store, entry(100, "a", "user:alice"));

        QueryResult result = store.query(query("user:mallory"));

        assertThat(result.entries()).isEmpty();
        assertThat(result.more()).isFalse();
    }

    @Test
    void query_emptyStore_isEmpty() {
        assertThat(store.query(query("t")).entries()).isEmpty();
    }

    @Test
    void query_termsAreComparedAsWholeByteStrings() {
        append(store, entry(1, "alice", "user:alice"), entry(2, "alicia", "user:alicia"), entry(3, "ali", "user:ali"));

        assertThat(bodies(store.query(query("user:ali")))).containsExactly("ali");
        assertThat(bodies(store.query(query("user:alice")))).containsExactly("alice");
    }

    @Test
    void query_twoTerms_returnsOnlyEntriesCarryingBoth() {
        append(store,
                entry(1, "alice reads", "user:alice", "event:GetObject"),
                entry(2, "bob reads", "user:bob", "event:GetObject"),
                entry(3, "alice writes", "user:alice", "event:PutObject"),
                entry(4, "alice reads again", "event:GetObject", "user:alice"),
                entry(5, "nobody", "event:GetObject"));

        assertThat(bodies(store.query(query("user:alice", "event:GetObject"))))
                .containsExactly("alice reads again", "alice reads");
        assertThat(bodies(store.query(query("event:GetObject", "user:alice"))))
                .containsExactly("alice reads again", "alice reads");
    }

    @Test
    void query_threeTerms_returnsOnlyEntriesCarryingAllThree() {
        List<Entry> batch = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            List<String> terms = new ArrayList<>();
            if (i % 2 == 0) {
                terms.add("two");
            }
            if (i % 3 == 0) {
                terms.add("three");
            }
            if (i % 5 == 0) {
                terms.add("five");
            }
            batch.add(entry(1000 + i, "entry " + i, terms.toArray(String[]::new)));
        }
        store.append(batch).join();

        assertThat(bodies(store.query(query("two", "three", "five")))).containsExactly("entry 30", "entry 0");
        assertThat(bodies(store.query(query("three", "five")))).containsExactly("entry 45", "entry 30", "entry 15", "entry 0");
        assertThat(bodies(store.query(query("five", "two", "three", "two")))).containsExactly("entry 30", "entry 0");
    }

    @Test
    void query_termRepeatedInsideOneEntry_findsTheEntryOnce() {
        append(store, entry(1, "twice", "t", "t"));

        assertThat(bodies(store.query(query("t")))).containsExactly("twice");
    }

    @Test
    void query_disjointTerms_isEmpty() {
        append(store, entry(1, "a", "x"), entry(2, "b", "y"), entry(3, "c", "x"), entry(4, "d", "y"));

        assertThat(store.query(query("x", "y")).entries()).isEmpty();
    }

    @Test
    void query_termsOfArbitraryBytes_matchExactly() {
        byte[] zeros = new byte[3];
        byte[] high = {(byte) 0xff, (byte) 0x80, 0};
        store.append(List.of(
                new Entry(1, List.of(zeros), bytes("zeros")),
                new Entry(2, List.of(high), bytes("high")),
                new Entry(3, List.of(new byte[0]), bytes("empty term")))).join();

        assertThat(bodies(store.query(new Query(List.of(high), 0, Long.MAX_VALUE, Optional.empty(), 10))))
                .containsExactly("high");
        assertThat(bodies(store.query(new Query(List.of(zeros), 0, Long.MAX_VALUE, Optional.empty(), 10))))
                .containsExactly("zeros");
        assertThat(bodies(store.query(new Query(List.of(new byte[0]), 0, Long.MAX_VALUE, Optional.empty(), 10))))
                .containsExactly("empty term");
    }

    @ParameterizedTest(name = "[{0}, {1}] -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            0   | 9223372036854775807 | t50,t40,t30,t20,t10
            20  | 40                  | t40,t30,t20
            20  | 20                  | t20
            21  | 29                  | ''
            41  | 100                 | t50
            0   | 9                   | ''
            -5  | 10                  | t10
            51  | 9223372036854775807 | ''
            40  | 20                  | ''
            -10 | -1                  | ''
            """)
    void query_timeRange_isInclusiveAtBothEnds(long minTime, long maxTime, String expected) {
        append(store, entry(30, "t30", "t"), entry(10, "t10", "t"), entry(50, "t50", "t"));
        append(store, entry(20, "t20", "t"), entry(40, "t40", "t"));

        QueryResult result = store.query(query(List.of("t"), minTime, maxTime, Optional.empty(), 100));

        assertThat(String.join(",", bodies(result))).isEqualTo(expected);
        assertThat(result.more()).isFalse();
    }

    @ParameterizedTest(name = "limit {0} -> {1}, more={2}")
    @CsvSource(delimiter = '|', textBlock = """
            1   | e4          | true
            2   | e4,e3       | true
            4   | e4,e3,e2,e1 | true
            5   | e4,e3,e2,e1,e0 | false
            6   | e4,e3,e2,e1,e0 | false
            2147483647 | e4,e3,e2,e1,e0 | false
            """)
    void query_limit_cutsThePageAndSaysWhetherMoreMatch(int limit, String expected, boolean more) {
        for (int i = 0; i < 5; i++) {
            append(store, entry(i, "e" + i, "t"));
        }

        QueryResult result = store.query(query(List.of("t"), 0, Long.MAX_VALUE, Optional.empty(), limit));

        assertThat(String.join(",", bodies(result))).isEqualTo(expected);
        assertThat(result.more()).isEqualTo(more);
    }

    @Test
    void query_limitReachedWhereOnlyEntriesOutsideTheRangeRemain_saysNoMore() {
        append(store, entry(5, "old", "t"), entry(10, "in range", "t"), entry(20, "too new", "t"));

        QueryResult result = store.query(query(List.of("t"), 10, 15, Optional.empty(), 1));

        assertThat(bodies(result)).containsExactly("in range");
        assertThat(result.more()).isFalse();
    }

    @Test
    void query_afterPosition_returnsOnlyEntriesStrictlyAfterIt() {
        append(store, entry(100, "a", "t"), entry(100, "b", "t"), entry(200, "c", "t"), entry(50, "d", "t"));

        assertThat(bodies(store.query(after(new Position(200, 2))))).containsExactly("b", "a", "d");
        assertThat(bodies(store.query(after(new Position(100, 1))))).containsExactly("a", "d");
        assertThat(bodies(store.query(after(new Position(100, 0))))).containsExactly("d");
        assertThat(bodies(store.query(after(new Position(50, 3))))).isEmpty();
    }

    @Test
    void query_afterPositionNotHeldByAnyEntry_resumesInHistoryOrder() {
        append(store, entry(100, "a", "t"), entry(100, "b", "t"), entry(200, "c", "t"), entry(50, "d", "t"));

        // Same time, an offset beyond the store: every entry of that time is older.
        assertThat(bodies(store.query(after(new Position(100, 1_000))))).containsExactly("b", "a", "d");
        // Between two times.
        assertThat(bodies(store.query(after(new Position(150, 0))))).containsExactly("b", "a", "d");
        // Beyond every time the store can hold.
        assertThat(bodies(store.query(after(new Position(Long.MAX_VALUE, 0))))).containsExactly("c", "b", "a", "d");
        // Before every entry.
        assertThat(bodies(store.query(after(new Position(0, 0))))).isEmpty();
    }

    @Test
    void query_pagingWithAfter_returnsEveryEntryExactlyOnce() {
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            append(store, entry(1000 + i / 3, "e" + i, "t"));
        }
        for (int i = 99; i >= 0; i--) {
            expected.add("e" + i);
        }

        List<String> paged = new ArrayList<>();
        Optional<Position> after = Optional.empty();
        int pages = 0;
        while (true) {
            QueryResult page = store.query(query(List.of("t"), 0, Long.MAX_VALUE, after, 7));
            paged.addAll(bodies(page));
            pages++;
            if (!page.more()) {
                break;
            }
            after = Optional.of(page.entries().getLast().position());
        }

        assertThat(paged).isEqualTo(expected);
        assertThat(pages).isEqualTo(15);
    }

    /**
     * Between pages, entries with both newer and older times arrive. A page walk never repeats or skips: it ends up
     * with every entry that lies after the page cursor in history order, whether it was there at the start or
     * arrived later, and none of those that arrived ahead of the cursor.
     */
    @Test
    void query_pagingWhileEntriesArrive_neitherRepeatsNorSkips() {
        SplittableRandom random = new SplittableRandom(42);
        List<StoredEntry> model = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            long time = random.nextLong(1000, 1100);
            long offset = append(store, entry(time, "initial " + i, "t"));
            model.add(new StoredEntry(offset, time, bytes("initial " + i)));
        }
        Set<Position> expected = new HashSet<>();
        model.forEach(entry -> expected.add(entry.position()));

        List<Position> paged = new ArrayList<>();
        Optional<Position> after = Optional.empty();
        for (int page = 0; ; page++) {
            QueryResult result = store.query(query(List.of("t"), 0, Long.MAX_VALUE, after, 11));
            paged.addAll(positions(result));
            if (!result.more()) {
                break;
            }
            Position cursor = result.entries().getLast().position();
            after = Optional.of(cursor);
            for (int i = 0; i < 4; i++) {
                // Newer than anything, inside the range already paged, and older than the cursor.
                long time = switch (i) {
                    case 0 -> 1100 + page;
                    case 1 -> random.nextLong(cursor.eventTime(), 1100);
                    default -> random.nextLong(990, cursor.eventTime() + 1);
                };
                long offset = append(store, entry(time, "arrived during page " + page, "t"));
                Position arrived = new Position(time, offset);
                if (arrived.compareTo(cursor) < 0) {
                    expected.add(arrived);
                }
            }
        }

        assertThat(paged).doesNotHaveDuplicates();
        assertThat(paged).isSortedAccordingTo(Comparator.reverseOrder());
        assertThat(new HashSet<>(paged)).isEqualTo(expected);
    }

    @Test
    void query_manyTermsAndTimes_matchesFilterOfAllEntries() {
        String[] users = {"user:a", "user:b", "user:c"};
        String[] events = {"event:Get", "event:Put", "event:Delete", "event:List"};
        List<Entry> all = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 500; i++) {
            all.add(entry(random.nextLong(0, 50), "e" + i, users[random.nextInt(users.length)],
                    events[random.nextInt(events.length)]));
        }
        for (int i = 0; i < all.size(); i += 10) {
            store.append(all.subList(i, i + 10)).join();
        }

        for (String user : users) {
            for (String event : events) {
                List<String> expected = new ArrayList<>();
                for (int i = all.size() - 1; i >= 0; i--) {
                    Entry candidate = all.get(i);
                    boolean matches = candidate.terms().stream().anyMatch(t -> Arrays.equals(t, bytes(user)))
                            && candidate.terms().stream().anyMatch(t -> Arrays.equals(t, bytes(event)))
                            && candidate.eventTime() >= 10 && candidate.eventTime() <= 40;
                    if (matches) {
                        expected.add(i + ":" + candidate.eventTime());
                    }
                }
                expected.sort(Comparator.comparingLong((String key) -> Long.parseLong(key.split(":")[1]))
                        .thenComparingLong(key -> Long.parseLong(key.split(":")[0])).reversed());
                List<String> found = store.query(query(List.of(user, event), 10, 40, Optional.empty(), 1000))
                        .entries().stream().map(entry -> entry.offset() + ":" + entry.eventTime()).toList();
                assertThat(found).as(user + " " + event).isEqualTo(expected);
            }
        }
    }

    private static Query after(Position position) {
        return query(List.of("t"), 0, Long.MAX_VALUE, Optional.of(position), 100);
    }
}
