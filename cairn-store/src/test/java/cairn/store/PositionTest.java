package cairn.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class PositionTest {
    @ParameterizedTest(name = "{0}/{1}")
    @CsvSource({"-1, 0", "0, -1", "-5, -5"})
    void new_negative_isRefused(long eventTime, long offset) {
        assertThatThrownBy(() -> new Position(eventTime, offset))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("negative position: " + eventTime + "/" + offset);
    }

    @Test
    void compareTo_ordersByTimeThenOffset() {
        List<Position> positions = new ArrayList<>(List.of(new Position(20, 1), new Position(10, 5),
                new Position(20, 0), new Position(10, 9)));

        Collections.sort(positions, Collections.reverseOrder());

        assertThat(positions).containsExactly(new Position(20, 1), new Position(20, 0), new Position(10, 9),
                new Position(10, 5));
        assertThat(new Position(3, 3).compareTo(new Position(3, 3))).isZero();
    }

    @Test
    void storedEntry_position_isItsTimeAndOffset() {
        assertThat(new StoredEntry(12, 34, new byte[0]).position()).isEqualTo(new Position(34, 12));
    }
}
