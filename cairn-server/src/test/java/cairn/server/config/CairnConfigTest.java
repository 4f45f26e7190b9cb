package cairn.server.config;

import cairn.delivery.objectstore.s3.S3Settings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
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
                        Runtime.getRuntime().availableProcessors(), false), List.of(),
                new CairnConfig.Console(true, "127.0.0.1", 8746, "")));
    }

    @Test
    void load_everyKeyInAFile_isRead() throws Exception {
        Path file = folder.resolve("cairn.conf");
        Path keystore = Files.write(folder.resolve("console.p12"), new byte[] {1});
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
                delivery.digest-period = 10m
                console.enabled = false
                console.host = 10.0.0.7
                console.port = 443
                console.initial-password = correct horse battery
                console.tls-keystore = %s
                console.tls-keystore-password = changeit
                console.public-url = https://Cairn.example.com:8443/
                """.formatted(keystore));
        CairnConfig config = CairnConfig.load(Optional.of(file), Map.of());
        assertThat(config).isEqualTo(new CairnConfig(new CairnConfig.Server("0.0.0.0", 9000, List.of("us-east-1")),
                Path.of("/var/lib/cairn"), new CairnConfig.Store(64L << 20), new CairnConfig.Ingest(2L << 20, 500),
                new CairnConfig.History(Duration.ofDays(30), Duration.ofMinutes(15), true, Duration.ofSeconds(30)),
                new CairnConfig.Delivery(Duration.ofSeconds(5), 1, 10L << 20, 3, true,
                        Duration.ofMinutes(10)), List.of(),
                new CairnConfig.Console(false, "10.0.0.7", 443, "correct horse battery", Optional.of(keystore),
                        "changeit", Optional.of(java.net.URI.create("https://cairn.example.com:8443")))));
    }

    @Test
    void load_consolePortAuto_isTheApiPortPlusOneOrAnyFreePort() {
        assertThat(CairnConfig.load(Map.of("server.port", "9000"), Map.of()).console().port()).isEqualTo(9001);
        assertThat(CairnConfig.load(Map.of("server.port", "0"), Map.of()).console().port()).isZero();
        assertThat(CairnConfig.load(Map.of("server.host", "0.0.0.0"), Map.of()).console().host())
                .isEqualTo("0.0.0.0");
        assertThatThrownBy(() -> CairnConfig.load(Map.of("console.tls-keystore", "/no/such/file.p12"), Map.of()))
                .isInstanceOfSatisfying(CairnConfig.ConfigException.class, e -> assertThat(e.problems())
                        .containsExactly("console.tls-keystore: no readable key store at /no/such/file.p12"));
        assertThat(CairnConfig.load(Map.of("console.public-url", "https://Cairn.Example.com:443/"), Map.of())
                .console().publicUrl()).as("as browsers write an origin")
                .contains(java.net.URI.create("https://cairn.example.com"));
        assertThat(CairnConfig.load(Map.of("console.public-url", "http://[::1]:80"), Map.of()).console().publicUrl())
                .contains(java.net.URI.create("http://[::1]"));
        for (String url : List.of("ftp://cairn.example.com", "https://cairn.example.com/console",
                "https://cairn.example.com/?a=b", "cairn.example.com", "https://user@cairn.example.com", "https://")) {
            assertThatThrownBy(() -> CairnConfig.load(Map.of("console.public-url", url), Map.of())).as(url)
                    .isInstanceOfSatisfying(CairnConfig.ConfigException.class, e -> assertThat(e.problems())
                            .containsExactly("console.public-url: an http or https URL with a host and nothing after "
                                    + "it, like https://cairn.example.com, not " + url));
        }
        assertThatThrownBy(() -> CairnConfig.load(Map.of("console.initial-password", "short"), Map.of()))
                .isInstanceOfSatisfying(CairnConfig.ConfigException.class, e -> assertThat(e.problems())
                        .containsExactly("console.initial-password: a console password is 12 to 256 characters, "
                                + "not 5"));
    }

    @Test
    void load_digestPeriod_wholeSecondsFromOneSecondToADay() {
        assertThat(CairnConfig.load(Map.of(), Map.of()).delivery().digestPeriod()).isEqualTo(Duration.ofHours(1));
        assertThat(CairnConfig.load(Map.of("delivery.digest-period", "1s"), Map.of()).delivery().digestPeriod())
                .isEqualTo(Duration.ofSeconds(1));
        assertThatThrownBy(() -> CairnConfig.load(Map.of("delivery.digest-period", "1500ms"), Map.of()))
                .isInstanceOfSatisfying(CairnConfig.ConfigException.class, e -> assertThat(e.problems())
                        .containsExactly("delivery.digest-period: must be whole seconds, at most PT24H: 1500ms"));
        assertThatThrownBy(() -> CairnConfig.load(Map.of("delivery.digest-period", "2d"), Map.of()))
                .isInstanceOfSatisfying(CairnConfig.ConfigException.class, e -> assertThat(e.problems())
                        .containsExactly("delivery.digest-period: must be whole seconds, at most PT24H: 2d"));
        assertThatThrownBy(() -> CairnConfig.load(Map.of("delivery.digest-period", "0s"), Map.of()))
                .isInstanceOfSatisfying(CairnConfig.ConfigException.class, e -> assertThat(e.problems())
                        .containsExactly("delivery.digest-period: must be at least PT1S: 0s"));
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

    @Test
    void load_s3Connections_everyKeyReadAndEnvironmentOverrides() throws Exception {
        Path ca = folder.resolve("ca.pem");
        Files.writeString(ca, "not read here");
        Path file = folder.resolve("s3.conf");
        Files.writeString(file, """
                s3.connections = minio, aws
                s3.minio.endpoint = https://minio.internal:9000
                s3.minio.region = eu-west-1
                s3.minio.path-style = true
                s3.minio.access-key-id = AKIDMINIO
                s3.minio.secret-access-key = secret
                s3.minio.session-token = token
                s3.minio.ca-file = %s
                s3.minio.timeout = 10s
                s3.minio.multipart-threshold = 8MB
                s3.minio.buckets = audit-a, audit-b
                s3.aws.path-style = false
                s3.aws.buckets = *
                """.formatted(ca));
        CairnConfig config = CairnConfig.load(Optional.of(file), Map.of("CAIRN_S3_AWS_REGION", "ap-south-1"));
        assertThat(config.s3()).containsExactly(
                new S3Settings("minio", Optional.of(URI.create("https://minio.internal:9000")), "eu-west-1", true,
                        Optional.of("AKIDMINIO"), Optional.of("secret"), Optional.of("token"), Optional.of(ca),
                        Duration.ofSeconds(10), 8L << 20, List.of("audit-a", "audit-b")),
                new S3Settings("aws", Optional.empty(), "ap-south-1", false, Optional.empty(), Optional.empty(),
                        Optional.empty(), Optional.empty(), Duration.ofSeconds(30), 16L << 20, List.of("*")));
    }

    @Test
    void load_badS3Connections_areAllReportedTogether() {
        Map<String, String> values = new java.util.LinkedHashMap<>();
        values.put("s3.connections", "one,two,Bad_Name");
        values.put("s3.one.endpoint", "ftp://host");
        values.put("s3.one.access-key-id", "AKID");
        values.put("s3.one.buckets", "shared");
        values.put("s3.two.buckets", "shared");
        values.put("s3.two.multipart-threshold", "1MB");
        values.put("s3.three.region", "us-east-1");
        assertThatThrownBy(() -> CairnConfig.load(values, Map.of("CAIRN_S3_FOUR_REGION", "x")))
                .isInstanceOfSatisfying(CairnConfig.ConfigException.class, e -> assertThat(e.problems())
                        .containsExactlyInAnyOrder(
                                "unknown key: s3.three.region",
                                "unknown environment variable: CAIRN_S3_FOUR_REGION",
                                "s3.connections: not a connection name (a-z, 0-9 and -, starting with a letter): "
                                        + "Bad_Name",
                                "s3.one.endpoint: not an http or https URL: ftp://host",
                                "s3.one.access-key-id and s3.one.secret-access-key go together",
                                "s3.two.multipart-threshold: must be between 5242880 and 5368709120 bytes: 1MB",
                                "s3.two.buckets: shared is in connection one already"));
    }
}
