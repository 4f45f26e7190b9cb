package cairn.cli;

import cairn.server.testing.MutableClock;
import cairn.server.testing.RunningCairn;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;
import software.amazon.awssdk.services.cloudtrail.CloudTrailClient;
import software.amazon.awssdk.services.cloudtrail.model.CloudTrailException;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static cairn.cli.CommandRun.cairn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Key rotation against a running server, with the {@code cairn} command beside it: a new key works at once, a
 * deactivated, rotated-out or deleted key fails at once, and temporary role credentials need their token and expire,
 * all without restarting the server.
 */
final class KeyRotationTest {
    private static final String REGION = "us-east-1";
    private static final String INVALID = "The security token included in the request is invalid.";

    @TempDir
    Path data;

    private MutableClock clock;
    private RunningCairn server;

    private void start(Instant at) throws IOException {
        clock = new MutableClock(at);
        server = RunningCairn.start(data, clock, Map.of());
    }

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    private CommandRun succeeds(String... arguments) {
        CommandRun run = cairn(arguments);
        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.err()).isEmpty();
        return run;
    }

    /** Creates user {@code app} (an auditor) in the installation's account and returns its first key. */
    private AwsCredentialsIdentity userWithKey() {
        succeeds("user", "create", "--data", data.toString(), "--account", server.accountId(), "--name", "app",
                "--permission-set", "auditor");
        return succeeds("key", "create", "--data", data.toString(), "--account", server.accountId(), "--user", "app")
                .credentials();
    }

    private void assertWorks(AwsCredentialsIdentity credentials) {
        try (CloudTrailClient client = server.sdk(CloudTrailClient.builder(), REGION, credentials).build()) {
            assertThat(client.lookupEvents(request -> request.maxResults(1)).sdkHttpResponse().statusCode())
                    .isEqualTo(200);
        }
    }

    private void assertFails(AwsCredentialsIdentity credentials, String errorCode, String message) {
        try (CloudTrailClient client = server.sdk(CloudTrailClient.builder(), REGION, credentials).build()) {
            assertThatThrownBy(() -> client.lookupEvents(request -> request.maxResults(1)))
                    .isInstanceOfSatisfying(CloudTrailException.class, e -> {
                        assertThat(e.awsErrorDetails().errorCode()).isEqualTo(errorCode);
                        assertThat(e.awsErrorDetails().errorMessage()).isEqualTo(message);
                    });
        }
    }

    @Test
    void keyCreate_whileServerRuns_newKeyWorksAtOnce() throws Exception {
        start(Instant.parse("2026-02-02T00:00:00Z"));
        AwsCredentialsIdentity key = userWithKey();

        assertThat(key.accessKeyId()).matches("AKIA[A-Z2-7]{16}");
        assertThat(key.secretAccessKey()).hasSize(40);
        assertWorks(key);
    }

    @Test
    void keyRotate_whileServerRuns_newKeyWorksAndOldKeyFailsAtOnce() throws Exception {
        start(Instant.parse("2026-02-02T00:00:00Z"));
        AwsCredentialsIdentity old = userWithKey();
        assertWorks(old);

        CommandRun rotated = succeeds("key", "rotate", "--data", data.toString(), old.accessKeyId());
        AwsCredentialsIdentity fresh = rotated.credentials();

        assertThat(rotated.out().lines().findFirst()).contains("# " + old.accessKeyId()
                + " is now Inactive; delete it once nothing uses it");
        assertThat(fresh.accessKeyId()).isNotEqualTo(old.accessKeyId());
        assertWorks(fresh);
        assertFails(old, "UnrecognizedClientException", INVALID);
    }

    @Test
    void keyDeactivateActivateDelete_whileServerRuns_takeEffectAtOnce() throws Exception {
        start(Instant.parse("2026-02-02T00:00:00Z"));
        AwsCredentialsIdentity old = userWithKey();
        AwsCredentialsIdentity fresh = succeeds("key", "rotate", "--data", data.toString(), old.accessKeyId())
                .credentials();
        String id = fresh.accessKeyId();
        assertWorks(fresh);

        assertThat(succeeds("key", "deactivate", "--data", data.toString(), id).out())
                .isEqualTo(id + " is now Inactive" + System.lineSeparator());
        assertFails(fresh, "UnrecognizedClientException", INVALID);

        assertThat(succeeds("key", "activate", "--data", data.toString(), id).out())
                .isEqualTo(id + " is now Active" + System.lineSeparator());
        assertWorks(fresh);

        assertThat(succeeds("key", "delete", "--data", data.toString(), id).out())
                .isEqualTo("deleted " + id + System.lineSeparator());
        assertFails(fresh, "UnrecognizedClientException", INVALID);
        assertFails(old, "UnrecognizedClientException", INVALID);
        assertWorks(server.admin());
    }

    @Test
    void roleAssume_whileServerRuns_sessionWorksNeedsItsTokenAndExpires() throws Exception {
        // The command stamps the expiry with the real time while the server checks its own clock: start both together.
        start(Instant.now());
        succeeds("role", "create", "--data", data.toString(), "--account", server.accountId(), "--name", "ops",
                "--permission-set", "auditor");
        CommandRun assumed = succeeds("role", "assume", "--data", data.toString(), "--account", server.accountId(),
                "--name", "ops", "--duration", "PT15M");
        AwsSessionCredentialsIdentity session = (AwsSessionCredentialsIdentity) assumed.credentials();

        assertThat(session.accessKeyId()).matches("ASIA[A-Z2-7]{16}");
        assertThat(assumed.out()).containsPattern("(?m)^# expires \\S+$");
        assertWorks(session);
        String token = session.sessionToken();
        String otherToken = (token.charAt(0) == 'A' ? "B" : "A") + token.substring(1);
        assertFails(AwsSessionCredentialsIdentity.create(session.accessKeyId(), session.secretAccessKey(), otherToken),
                "UnrecognizedClientException", INVALID);
        assertFails(AwsCredentialsIdentity.create(session.accessKeyId(), session.secretAccessKey()),
                "UnrecognizedClientException", INVALID);

        clock.advance(Duration.ofMinutes(16));

        assertFails(session, "ExpiredTokenException", "The security token included in the request is expired");
        assertWorks(server.admin());
    }
}
