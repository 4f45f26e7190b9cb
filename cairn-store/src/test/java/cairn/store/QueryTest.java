package cairn.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class QueryTest {
    @Test
    void new_withoutTerms_isRefused() {
        assertThatThrownBy(() -> new Query(List.of(), 0, 10, Optional.empty(), 10))
                .isExactlyInstanceOf(IllegalArgumentException.class).hasMessage("a query needs at least one term");
    }

    @ParameterizedTest(name = "limit {0}")
    @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
    void new_limitNotPositive_isRefused(int limit) {
        assertThatThrownBy(() -> new Query(List.of(new byte[1]), 0, 10, Optional.empty(), limit))
                .isExactlyInstanceOf(IllegalArgumentException.class).hasMessage("limit must be positive: " + limit);
    }

    @Test
    void new_nulls_areRefused() {
        assertThatThrownBy(() -> new Query(null, 0, 10, Optional.empty(), 1))
                .isExactlyInstanceOf(NullPointerException.class).hasMessage("terms is null");
        assertThatThrownBy(() -> new Query(List.of(new byte[1]), 0, 10, null, 1))
                .isExactlyInstanceOf(NullPointerException.class).hasMessage("after is null");
    }
}
