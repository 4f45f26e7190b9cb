package cairn.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static cairn.store.Entries.bytes;
import static cairn.store.Entries.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Counting the entries a query would find, without reading them. */
final class EventStoreCountTest {
    @TempDir
    Path directory;

    @Test
    void count_manySegments_countsEntriesCarryingEveryTermWithinTheTimeRange() throws IOException {
        try (EventStore store = EventStore.open(new StoreConfig(directory, 4096, 1024))) {
            for (int batch = 0; batch < 20; batch++) {
                List<Entry> entries = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    int n = batch * 10 + i;
                    entries.add(n % 2 == 0 ? entry(1000 + n, "entry " + n, "all", "even")
                            : entry(1000 + n, "entry " + n, "all"));
                }
                store.append(entries).join();
            }
            assertThat(store.segmentCount()).isGreaterThan(1);

            assertThat(store.count(List.of(bytes("all")), 0, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(200);
            assertThat(store.count(List.of(bytes("all"), bytes("even")), 0, Long.MAX_VALUE, Long.MAX_VALUE))
                    .isEqualTo(100);
            assertThat(store.count(List.of(bytes("all")), 1050, 1059, Long.MAX_VALUE)).isEqualTo(10);
            assertThat(store.count(List.of(bytes("even"), bytes("all")), 1050, 1059, Long.MAX_VALUE)).isEqualTo(5);
            assertThat(store.count(List.of(bytes("all")), 1300, 2000, Long.MAX_VALUE)).isZero();
            assertThat(store.count(List.of(bytes("none")), 0, Long.MAX_VALUE, Long.MAX_VALUE)).isZero();
            assertThat(store.count(List.of(bytes("all")), 1059, 1050, Long.MAX_VALUE)).isZero();
        }
    }

    @Test
    void count_moreThanTheCap_answersTheCap() throws IOException {
        try (EventStore store = EventStore.open(StoreConfig.in(directory))) {
            List<Entry> entries = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                entries.add(entry(i, "entry " + i, "t"));
            }
            store.append(entries).join();

            assertThat(store.count(List.of(bytes("t")), 0, Long.MAX_VALUE, 30)).isEqualTo(30);
            assertThat(store.count(List.of(bytes("t")), 0, Long.MAX_VALUE, 100)).isEqualTo(100);
            assertThatThrownBy(() -> store.count(List.of(), 0, 1, 1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("a count needs at least one term");
        }
    }
}
