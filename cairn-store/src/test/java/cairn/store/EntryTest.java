package cairn.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** An entry checks itself, so a bad one never reaches the store's queue. */
final class EntryTest {
    @ParameterizedTest(name = "eventTime {0}")
    @ValueSource(longs = {-1, Long.MIN_VALUE, 8589934592L, Long.MAX_VALUE})
    void new_eventTimeOutOfRange_isRefused(long eventTime) {
        assertThatThrownBy(() -> new Entry(eventTime, List.of(), new byte[0]))
                .isExactlyInstanceOf(IllegalArgumentException.class).hasMessage("eventTime out of range: " + eventTime);
    }

    @ParameterizedTest(name = "eventTime {0}")
    @ValueSource(longs = {0, 1_700_000_000L, 8589934591L})
    void new_eventTimeInRange_isKept(long eventTime) {
        assertThat(new Entry(eventTime, List.of(), new byte[0]).eventTime()).isEqualTo(eventTime);
        assertThat(Keys.MAX_TIME).isEqualTo(8589934591L);
    }

    @Test
    void new_termsAtTheLimits_areAccepted() {
        List<byte[]> terms = new ArrayList<>(Collections.nCopies(Entry.MAX_TERMS - 1, new byte[1]));
        terms.add(new byte[Entry.MAX_TERM_BYTES]);

        assertThat(new Entry(1, terms, new byte[0]).terms()).hasSize(4096);
    }

    @Test
    void new_tooManyTerms_isRefused() {
        List<byte[]> terms = Collections.nCopies(Entry.MAX_TERMS + 1, new byte[1]);

        assertThatThrownBy(() -> new Entry(1, terms, new byte[0]))
                .isExactlyInstanceOf(IllegalArgumentException.class).hasMessage("too many terms: 4097");
    }

    @Test
    void new_termTooLong_isRefused() {
        assertThatThrownBy(() -> new Entry(1, List.of(new byte[Entry.MAX_TERM_BYTES + 1]), new byte[0]))
                .isExactlyInstanceOf(IllegalArgumentException.class).hasMessage("term longer than 4096 bytes");
    }

    @Test
    void new_nulls_areRefused() {
        assertThatThrownBy(() -> new Entry(1, null, new byte[0]))
                .isExactlyInstanceOf(NullPointerException.class).hasMessage("terms is null");
        assertThatThrownBy(() -> new Entry(1, List.of(), null))
                .isExactlyInstanceOf(NullPointerException.class).hasMessage("body is null");
    }

    @Test
    void new_termsList_isCopied() {
        List<byte[]> terms = new ArrayList<>();
        terms.add(new byte[] {1});
        Entry entry = new Entry(1, terms, new byte[0]);

        terms.add(new byte[] {2});

        assertThat(entry.terms()).hasSize(1);
    }
}
