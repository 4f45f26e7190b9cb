package cairn.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class StoreConfigTest {
    private static final Path DIRECTORY = Path.of("data");

    @Test
    void in_directory_usesTheDefaults() {
        StoreConfig config = StoreConfig.in(DIRECTORY);

        assertThat(config.directory()).isEqualTo(DIRECTORY);
        assertThat(config.segmentBytes()).isEqualTo(128L << 20);
        assertThat(config.maxEntryBytes()).isEqualTo(1 << 20);
    }

    @Test
    void new_everyValueSet_keepsThem() {
        StoreConfig config = new StoreConfig(Path.of("elsewhere"), 1 << 20, 4096);

        assertThat(config.directory()).isEqualTo(Path.of("elsewhere"));
        assertThat(config.segmentBytes()).isEqualTo(1 << 20);
        assertThat(config.maxEntryBytes()).isEqualTo(4096);
    }

    @ParameterizedTest(name = "segmentBytes={0}, maxEntryBytes={1}")
    @CsvSource(textBlock = """
            4096,       1024
            4096,       4096
            1073741824, 1024
            1073741824, 1048576
            """)
    void new_valuesAtTheLimits_areAccepted(long segmentBytes, int maxEntryBytes) {
        assertThat(new StoreConfig(DIRECTORY, segmentBytes, maxEntryBytes).segmentBytes()).isEqualTo(segmentBytes);
    }

    @ParameterizedTest(name = "segmentBytes={0}, maxEntryBytes={1}")
    @CsvSource(delimiter = '|', textBlock = """
            4095       | 1024 | segmentBytes must be between 4 KiB and 1 GiB: 4095
            0          | 1024 | segmentBytes must be between 4 KiB and 1 GiB: 0
            -1         | 1024 | segmentBytes must be between 4 KiB and 1 GiB: -1
            1073741825 | 1024 | segmentBytes must be between 4 KiB and 1 GiB: 1073741825
            4096       | 1023 | maxEntryBytes must be between 1 KiB and segmentBytes: 1023
            4096       | 0    | maxEntryBytes must be between 1 KiB and segmentBytes: 0
            4096       | 4097 | maxEntryBytes must be between 1 KiB and segmentBytes: 4097
            """)
    void new_valuesOutOfRange_areRefused(long segmentBytes, int maxEntryBytes, String message) {
        assertThatThrownBy(() -> new StoreConfig(DIRECTORY, segmentBytes, maxEntryBytes))
                .isExactlyInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    @Test
    void new_noDirectory_isRefused() {
        assertThatThrownBy(() -> new StoreConfig(null, 4096, 1024))
                .isExactlyInstanceOf(NullPointerException.class).hasMessage("directory is null");
    }
}
