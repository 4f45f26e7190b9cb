package cairn.server.history;

import cairn.model.lookup.LookupAttribute;
import cairn.store.Entry;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The filters that let deduplication skip index lookups: never "new" for what may be stored. */
final class StoredEventIdsTest {
    private static final String ACCOUNT = "111122223333";

    private static byte[] term(String id) {
        return HistoryTerms.of(LookupAttribute.EVENT_ID, ACCOUNT, "us-east-1", false, id);
    }

    private static Entry entry(String id, long time) {
        return new Entry(time, List.of(HistoryTerms.all(ACCOUNT, "us-east-1", false), term(id)),
                id.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void surelyNew_onlyForIdsNotAddedAndLaterThanTheStoreAtStart() {
        StoredEventIds ids = new StoredEventIds(1000);
        ids.add(List.of(entry("a", 2000), entry("b", 2001)));

        assertThat(ids.surelyNew(term("a"), 2000)).isFalse();
        assertThat(ids.surelyNew(term("b"), 2001)).isFalse();
        assertThat(ids.surelyNew(term("c"), 2002)).isTrue();
        assertThat(ids.surelyNew(term("c"), 1000)).as("may be stored from before the start").isFalse();
        assertThat(ids.surelyNew(term("c"), 999)).isFalse();
        assertThat(ids.surelyNew(HistoryTerms.of(LookupAttribute.EVENT_ID, "999999999999", "us-east-1", false, "a"),
                2000)).as("another account's a").isTrue();
    }

    @Test
    void filters_growFourfoldFromASmallFirstOne() {
        StoredEventIds ids = new StoredEventIds(-1, 100, 1600);
        List<Entry> batch = new ArrayList<>();
        for (int i = 0; i < 2100; i++) {
            batch.add(entry("grow-" + i, 50_000 + i));
        }
        ids.add(batch);

        // 100 + 400 + 1600 = 2100: three filters, none dropped, nothing forgotten.
        assertThat(ids.surelyNew(term("new"), 50_000)).isTrue();
        for (int i = 0; i < 2100; i++) {
            assertThat(ids.surelyNew(term("grow-" + i), 50_000 + i)).isFalse();
        }
        ids.add(List.of(entry("one-more", 60_000)));
        assertThat(ids.surelyNew(term("new"), 50_099)).as("the first filter dropped").isFalse();
        assertThat(ids.surelyNew(term("new"), 50_100)).isTrue();
    }

    @Test
    void surelyNew_afterOldFiltersAreDropped_looksUpWhatTheyHeld() {
        StoredEventIds ids = new StoredEventIds(-1, 1000, 1000);
        List<Entry> batch = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            batch.add(entry("id-" + i, 10_000 + i));
        }
        ids.add(batch);

        // 5 filters were needed, 3 are kept: the first 2,000 IDs are forgotten, the horizon covers them.
        for (int i = 0; i < 5000; i++) {
            assertThat(ids.surelyNew(term("id-" + i), 10_000 + i)).as("id-" + i).isFalse();
        }
        assertThat(ids.surelyNew(term("fresh"), 11_999)).isFalse();
        assertThat(ids.surelyNew(term("fresh"), 15_000)).isTrue();
        int falsePositives = 0;
        for (int i = 0; i < 10_000; i++) {
            falsePositives += ids.surelyNew(term("other-" + i), 20_000) ? 0 : 1;
        }
        assertThat(falsePositives).as("about 1% of unseen IDs are looked up needlessly").isLessThan(300);
    }
}
