package cairn.model.record;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;

final class EventTimesTest {
    @ParameterizedTest(name = "{0} (zoneless {1}) -> {2}")
    @CsvSource({
            "2024-07-31T13:06:24Z, false, 1722431184",
            "2024-07-31T13:06:24.999Z, false, 1722431184",
            "2024-07-31T15:06:24+02:00, false, 1722431184",
            "2024-07-31T13:06:24, true, 1722431184",
            "2024-07-31T13:06:24, false, NONE",
            "2024-02-30T00:00:00Z, false, NONE",
            "2024-13-01T00:00:00Z, false, NONE",
            "yesterday, true, NONE",
            "1970-01-01T00:00:00Z, false, 0"})
    void parse(String text, boolean zoneless, String expected) {
        assertThat(EventTimes.parse(text, zoneless)).isEqualTo(expected.equals("NONE")
                ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(expected)));
    }
}
