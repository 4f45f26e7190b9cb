package cairn.server.integrity;

import cairn.server.testing.MutableClock;
import cairn.server.testing.RunningCairn;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.cloudtrail.CloudTrailClient;
import software.amazon.awssdk.services.cloudtrail.model.CloudTrailException;
import software.amazon.awssdk.services.cloudtrail.model.PublicKey;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * ListPublicKeys as validate-logs reads it: DER PKCS#1 keys (which the AWS CLI's own loader, Python {@code rsa}, takes),
 * MD5 fingerprints, 30-day windows that overlap when keys rotate, a range filter, keys kept across restarts with the
 * private keys readable by their owner only.
 */
final class ListPublicKeysTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    Path data;

    private final MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    private RunningCairn cairn;

    @BeforeEach
    void start() throws Exception {
        cairn = RunningCairn.start(data, clock, Map.of());
    }

    @AfterEach
    void stop() throws Exception {
        cairn.close();
    }

    @Test
    void awsCli_listPublicKeys_givesTheCurrentPkcs1KeyWithItsFingerprint() throws Exception {
        JsonNode keys = cli("cloudtrail", "list-public-keys").get("PublicKeyList");
        assertThat(keys).hasSize(1);
        JsonNode key = keys.get(0);
        assertThat(key.get("Value").asText()).startsWith("MIIBCgKCAQEA");
        byte[] der = Base64.getDecoder().decode(key.get("Value").asText());
        assertThat(key.get("Fingerprint").asText())
                .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(der)));
        assertThat(key.get("ValidityEndTime").asLong() - key.get("ValidityStartTime").asLong())
                .isEqualTo(Duration.ofDays(30).toSeconds());
        // The AWS CLI (v1) loads the key with rsa.PublicKey.load_pkcs1(der, 'DER').
        Path file = data.resolve("key.der");
        Files.write(file, der);
        Process python = new ProcessBuilder("python3", "-c", "import rsa,sys; k=rsa.PublicKey.load_pkcs1("
                + "open(sys.argv[1],'rb').read(),'DER'); print(k.n.bit_length(), k.e)", file.toString())
                .redirectErrorStream(true).start();
        assertThat(new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip())
                .isEqualTo("2048 65537");
        assertThat(cli("cloudtrail", "list-public-keys").get("PublicKeyList")).isEqualTo(keys);
    }

    @Test
    void sdk_keysRotateWithOverlappingWindows_andRangesSelectThem() throws Exception {
        Instant first = clock.instant();
        try (CloudTrailClient cloudTrail = cairn.sdk(CloudTrailClient.builder(), "us-east-1").build()) {
            PublicKey one = cloudTrail.listPublicKeys(request -> { }).publicKeyList().getFirst();
            clock.advance(Duration.ofDays(24));
            assertThat(cloudTrail.listPublicKeys(request -> { }).publicKeyList()).containsExactly(one);
            clock.advance(Duration.ofDays(1));
            PublicKey two = cloudTrail.listPublicKeys(request -> { }).publicKeyList().getFirst();
            assertThat(two.fingerprint()).isNotEqualTo(one.fingerprint());
            assertThat(two.validityStartTime()).isBefore(one.validityEndTime());

            assertThat(cloudTrail.listPublicKeys(request -> request.startTime(first)
                    .endTime(first.plus(Duration.ofDays(26)))).publicKeyList()).containsExactly(one, two);
            assertThat(cloudTrail.listPublicKeys(request -> request.startTime(first)
                    .endTime(first.plus(Duration.ofDays(1)))).publicKeyList()).containsExactly(one);
            assertThat(cloudTrail.listPublicKeys(request -> request.startTime(first.plus(Duration.ofDays(31))))
                    .publicKeyList()).containsExactly(two);
            assertThat(cloudTrail.listPublicKeys(request -> request.startTime(first.minus(Duration.ofDays(9)))
                    .endTime(first.minus(Duration.ofDays(1)))).publicKeyList()).isEmpty();
            assertThat(cloudTrail.listPublicKeys(request -> { }).publicKeyList()).as("keys are per region")
                    .doesNotContain(one);
            try (CloudTrailClient other = cairn.sdk(CloudTrailClient.builder(), "eu-west-1").build()) {
                assertThat(other.listPublicKeys(request -> { }).publicKeyList().getFirst().fingerprint())
                        .isNotIn(one.fingerprint(), two.fingerprint());
            }
            assertThatThrownBy(() -> cloudTrail.listPublicKeys(request -> request.startTime(first)
                    .endTime(first.minusSeconds(1)))).isInstanceOfSatisfying(CloudTrailException.class, e -> {
                        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidTimeRangeException");
                        assertThat(e.awsErrorDetails().errorMessage())
                                .isEqualTo("Start time must not be after end time.");
                    });
        }
        cairn.close();
        cairn = RunningCairn.start(data, clock, Map.of());
        try (CloudTrailClient cloudTrail = cairn.sdk(CloudTrailClient.builder(), "us-east-1").build()) {
            assertThat(cloudTrail.listPublicKeys(request -> request.startTime(first)
                    .endTime(first.plus(Duration.ofDays(26)))).publicKeyList()).hasSize(2);
        }
        try (Stream<Path> files = Files.walk(data.resolve("keys"))) {
            List<Path> keyFiles = files.filter(Files::isRegularFile).toList();
            assertThat(keyFiles).hasSize(3);
            for (Path file : keyFiles) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                        .isEqualTo("rw-------");
            }
        }
    }

    private JsonNode cli(String... arguments) throws Exception {
        var result = cairn.cli("us-east-1", arguments);
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        return MAPPER.readTree(result.stdout());
    }
}
