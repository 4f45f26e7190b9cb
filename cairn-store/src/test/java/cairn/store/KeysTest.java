package cairn.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** The packed sort key: time in the high 33 bits, position in the low 30. */
final class KeysTest {
    @ParameterizedTest(name = "time {0}, position {1}")
    @CsvSource(textBlock = """
            0,          0
            0,          1073741823
            1700000000, 12345
            8589934591, 0
            8589934591, 1073741823
            """)
    void of_timeAndPosition_unpackToTheSameValues(long time, int position) {
        long key = Keys.of(time, position);

        assertThat(Keys.time(key)).isEqualTo(time);
        assertThat(Keys.position(key)).isEqualTo(position);
        assertThat(key).isNotNegative();
    }

    @Test
    void of_ordersByTimeThenPosition() {
        assertThat(Keys.of(5, Keys.MAX_POSITION)).isLessThan(Keys.of(6, 0));
        assertThat(Keys.of(5, 1)).isLessThan(Keys.of(5, 2));
        assertThat(Keys.of(Keys.MAX_TIME, Keys.MAX_POSITION)).isEqualTo(Long.MAX_VALUE);
    }
}
