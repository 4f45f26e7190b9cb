package cairn.bench.console;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The history page benchmark (issue 8's figure) runs as BENCHMARKS.md gives it, on a small store and in the OS
 * Chromium: it must not rot between measurements.
 */
class HistoryPageLoadTest {
    @TempDir
    Path folder;

    @Test
    void main_measuresFilterChangesAndPaging_inChromium() throws Exception {
        String chromium = Optional.ofNullable(System.getenv("CAIRN_CHROMIUM")).orElse("/usr/bin/chromium");
        String text = Printed.by(() -> HistoryPageLoad.main(new String[] {"--store",
                folder.resolve("store").toString(), "--events", "20000", "--changes", "3", "--rounds", "1", "--pages",
                "2", "--cli", "1", "--chromium", chromium}));

        assertThat(text).containsPattern("round 1: first 50 events after a filter change: median [\\d.]+ ms")
                .containsPattern("paging, 50 more events per page: median [\\d.]+ ms")
                .containsPattern("AWS CLI lookup-events, one attribute, first 50: median \\d+ ms");
    }
}
