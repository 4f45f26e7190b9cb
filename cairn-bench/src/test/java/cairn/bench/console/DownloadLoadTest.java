package cairn.bench.console;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The download benchmark runs as BENCHMARKS.md gives it, on a small store: it must not rot between measurements. */
class DownloadLoadTest {
    @TempDir
    Path folder;

    @Test
    void main_downloadsBothFormats_fromASmallStore() throws Exception {
        String text = Printed.by(() -> DownloadLoad.main(new String[] {"--store", folder.resolve("store").toString(),
                "--events", "20000", "--days", "2", "--rounds", "1", "--cli-events", "0"}));

        assertThat(text).containsPattern("round 1 csv : status 200, [1-9][\\d,]* events")
                .containsPattern("round 1 json: status 200, [1-9][\\d,]* events")
                .contains("server heap after a full GC");
    }
}
