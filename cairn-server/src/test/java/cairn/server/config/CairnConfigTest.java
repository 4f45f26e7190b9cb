package cairn.server.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class CairnConfigTest {
    @TempDir
    Path folder;

    @Test
    void load_nothingSet_givesTheDefaults() {
        CairnConfig config = CairnConfig.load(Map.of(), Map.of());
        assertThat(config).isEqualTo(new CairnConfig(new CairnConfig.Server("127.0.0.1", 8745, List.of("us-east-1")), Path.of("data"),
                new CairnConfig.Store(128L << 20), new CairnConfig.Ingest(16L << 20, 10_000),
                new CairnConfig.History(Duration.ofDays(90), Duration.ofHours(24), false, Duration.ofMinutes(1)),
                new CairnConfig.Delivery(Duration.ofSeconds(60), 6, 50L << 20,
                        Runtime.getRuntime().availableProcessors(), false), List.of()));
    }

    @Test
    void load_everyKeyInAFile_isRead() throws Exception {
        Path file = folder.resolve("cairn.conf");
        Files.writeString(file, """
                # every key
                server.host = 0.0.0.0
                server.port = 9000
                data.directory = /var/lib/cairn
                store.segment-size = 64MB
                ingest.max-request-size = 2MB
                ingest.max-records = 500
                history.retention = 30d
                history.next-token-ttl = 15m
                history.multi-attribute-lookups = true
                history.retention-check-interval = 30s
                delivery.interval = 5s
                delivery.gzip-level = 1
                delivery.max-file-size = 10MB
                delivery.compression-threads = 3
                delivery.create-buckets = true
                """);
        CairnConfig config = CairnConfig.load(Optional.of(file), Map.of());
        assertThat(config).isEqualTo(new CairnConfig(new CairnConfig.Server("0.0.0.0", 9000, List.of("us-east-1")),
                Path.of("/var/lib/cairn"), new CairnConfig.Store(64L << 20), new CairnConfig.Ingest(2L << 20, 500),
                new CairnConfig.History(Duration.ofDays(30), Duration.ofMinutes(15), true, Duration.ofSeconds(30)),
                new CairnConfig.Delivery(Duration.ofSeconds(5), 1, 10L << 20, 3, true), List.of()));
    }

    @Test
    void load_environment_overridesTheFile() {
        CairnConfig config = CairnConfig.load(Map.of("server.port", "9000"),
                Map.of("CAIRN_SERVER_PORT", "9100", "CAIRN_HISTORY_RETENTION", "7d", "PATH", "/bin"));
        assertThat(config.server().port()).isEqualTo(9100);
        assertThat(config.history().retention()).isEqualTo(Duration.ofDays(7));
    }

    @Test
    void load_optionsWinOverTheEnvironment_whichWinsOverTheFile() throws Exception {
        Path file = folder.resolve("cairn.conf");
        Files.writeString(file, "server.port = 9000\nserver.host = 0.0.0.0\nhistory.retention = 30d\n");
        CairnConfig config = CairnConfig.load(Optional.of(file), Map.of("server.port", "9200"),
                Map.of("CAIRN_SERVER_PORT", "9100", "CAIRN_SERVER_HOST", "10.1.2.3"));
        assertThat(config.server()).isEqualTo(new CairnConfig.Server("10.1.2.3", 9200, List.of("us-east-1")));
        assertThat(config.history().retention()).isEqualTo(Duration.ofDays(30));
    }

    @Test
    void load_badValuesAndUnknownKeys_areAllReportedTogether() {
        assertThatThrownBy(() -> CairnConfig.load(Map.of("server.port", "99999", "history.retention", "forever",
                "store.segment-size", "12 parsecs", "colour", "blue"), Map.of("CAIRN_NOPE", "1")))
                .isInstanceOfSatisfying(CairnConfig.ConfigException.class, e -> assertThat(e.problems())
                        .containsExactlyInAnyOrder(
                                "unknown key: colour",
                                "unknown environment variable: CAIRN_NOPE",
                                "server.port: must be between 0 and 65535: 99999",
                                "store.segment-size: not a size such as 128MB: 12 parsecs",
                                "history.retention: not a duration such as 90d, 24h, 15m or 30s: forever"));
    }

    @Test
    void load_requestsLargerThanHalfASegment_areRefused() {
        assertThatThrownBy(() -> CairnConfig.load(Map.of("store.segment-size", "16MB"), Map.of()))
                .isInstanceOfSatisfying(CairnConfig.ConfigException.class, e -> assertThat(e.problems())
                        .containsExactly("ingest.max-request-size (16777216 bytes) must be at most half of "
                                + "store.segment-size (16777216 bytes), so that a whole batch fits in one segment"));
    }

    @Test
    void load_malformedLine_isReported() throws Exception {
        Path file = folder.resolve("bad.conf");
        Files.writeString(file, "server.port 8000\n");
        assertThatThrownBy(() -> CairnConfig.load(Optional.of(file), Map.of()))
                .hasMessageContaining("bad.conf:1: expected key = value, found: server.port 8000");
    }
}
