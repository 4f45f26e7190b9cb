package cairn.delivery.logfile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

final class LogFileKeysTest {
    /** The regex of spec 2.1 (AWS's processing library, {@code SourceIdentifier.java}), as the spec gives it. */
    private static final Pattern SPEC_FILE_NAME =
            Pattern.compile(".+_CloudTrail_[\\w\\-]+_\\d{8}T\\d{4}Z_[\\w]+\\.json\\.gz");
    private static final Pattern UNIQUE = Pattern.compile("[A-Za-z0-9]{16}");
    private static final Instant DELIVERED = Instant.parse("2015-08-01T02:10:37.250Z");
    private static final String SAMPLE_FILE =
            "111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz";

    private static String fileName(String key) {
        return key.substring(key.lastIndexOf('/') + 1);
    }

    @Test
    void key_withPrefix_isTheSpecLayout() {
        assertThat(LogFileKeys.key(Optional.of("logs"), "111122223333", "us-east-2", DELIVERED, "Mu0KsOhtH1ar15ZZ"))
                .isEqualTo("logs/AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/01/" + SAMPLE_FILE);
    }

    @Test
    void key_withoutPrefix_startsAtAwsLogs() {
        assertThat(LogFileKeys.key(Optional.empty(), "111122223333", "us-east-2", DELIVERED, "Mu0KsOhtH1ar15ZZ"))
                .isEqualTo("AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/01/" + SAMPLE_FILE);
    }

    @Test
    void key_emptyPrefix_isLikeNoPrefix() {
        assertThat(LogFileKeys.key(Optional.of(""), "111122223333", "us-east-2", DELIVERED, "Mu0KsOhtH1ar15ZZ"))
                .isEqualTo("AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/01/" + SAMPLE_FILE);
    }

    @Test
    void key_prefixWithTrailingSlash_isNotDoubled() {
        assertThat(LogFileKeys.key(Optional.of("logs/"), "111122223333", "us-east-2", DELIVERED, "Mu0KsOhtH1ar15ZZ"))
                .isEqualTo("logs/AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/01/" + SAMPLE_FILE);
    }

    @Test
    void key_nestedPrefix_isKeptWhole() {
        assertThat(LogFileKeys.key(Optional.of("org/team-a/trails"), "111122223333", "eu-west-1",
                Instant.parse("2024-05-01T12:00:01Z"), "AAAAAAAAAAAAAAAA"))
                .isEqualTo("org/team-a/trails/AWSLogs/111122223333/CloudTrail/eu-west-1/2024/05/01/"
                        + "111122223333_CloudTrail_eu-west-1_20240501T1200Z_AAAAAAAAAAAAAAAA.json.gz");
    }

    @Test
    void key_lastMinuteOfTheYear_usesUtcForFolderAndStamp() {
        assertThat(LogFileKeys.key(Optional.empty(), "111122223333", "ap-southeast-2",
                Instant.parse("2023-12-31T23:59:59.999Z"), "Mu0KsOhtH1ar15ZZ"))
                .isEqualTo("AWSLogs/111122223333/CloudTrail/ap-southeast-2/2023/12/31/"
                        + "111122223333_CloudTrail_ap-southeast-2_20231231T2359Z_Mu0KsOhtH1ar15ZZ.json.gz");
    }

    @Test
    void key_fileName_matchesBothPatterns() {
        String key = LogFileKeys.key(Optional.of("logs"), "111122223333", "us-gov-west-1", DELIVERED,
                LogFileKeys.uniqueString("anything"));
        assertThat(LogFileKeys.FILE_NAME.matcher(fileName(key)).matches()).isTrue();
        assertThat(SPEC_FILE_NAME.matcher(fileName(key)).matches()).isTrue();
        assertThat(SPEC_FILE_NAME.matcher(key).matches()).isTrue();
    }

    @Test
    void fileName_otherFiles_areNotMatched() {
        assertThat(LogFileKeys.FILE_NAME.matcher(SAMPLE_FILE).matches()).isTrue();
        assertThat(LogFileKeys.FILE_NAME.matcher(
                "111122223333_CloudTrail-Digest_us-east-2_20150801T0210Z.json.gz").matches()).isFalse();
        assertThat(LogFileKeys.FILE_NAME.matcher(
                "111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json").matches()).isFalse();
        assertThat(LogFileKeys.FILE_NAME.matcher(
                "111122223333_CloudTrail_us-east-2_20150801T021Z_Mu0KsOhtH1ar15ZZ.json.gz").matches()).isFalse();
    }

    @Test
    void uniqueString_knownIdentities_arePinned() {
        // Keys of a redone batch must equal the first ones, across versions too: this value must never change.
        assertThat(LogFileKeys.uniqueString(
                "arn:aws:cloudtrail:us-east-2:111122223333:trail/audit/0/41/111122223333/us-east-2"))
                .isEqualTo("NesfimCvVZLHom9R");
        assertThat(LogFileKeys.uniqueString("")).isEqualTo("8MgwviXSq4PCZBo7");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a", "arn:aws:cloudtrail:eu-west-1:111122223333:trail/x/0/0/111122223333/eu-west-1",
            "é ☕ \u0000"})
    void uniqueString_anyIdentity_isSixteenLettersAndDigits(String identity) {
        assertThat(LogFileKeys.uniqueString(identity)).matches(UNIQUE);
    }

    @Test
    void uniqueString_sameIdentity_sameString() {
        String identity = "arn:aws:cloudtrail:eu-west-1:111122223333:trail/audit/100/250/111122223333/eu-west-1";
        assertThat(LogFileKeys.uniqueString(identity)).isEqualTo(LogFileKeys.uniqueString(new String(identity)));
    }

    @Test
    void uniqueString_differentIdentities_differ() {
        Set<String> seen = new HashSet<>();
        for (int first = 0; first < 100; first++) {
            for (String region : new String[]{"us-east-1", "eu-west-1", "ap-south-1"}) {
                String unique = LogFileKeys.uniqueString("arn:aws:cloudtrail:us-east-1:111122223333:trail/audit/"
                        + first + "/" + (first + 9) + "/111122223333/" + region);
                assertThat(unique).matches(UNIQUE);
                seen.add(unique);
            }
        }
        assertThat(seen).hasSize(300);
    }
}
