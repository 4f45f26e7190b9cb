package cairn.cli;

import cairn.server.identity.Installation;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static cairn.cli.CommandRun.cairn;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The admin verbs of the {@code cairn} command on a data folder: bad input gets one clear message and exit status 1
 * with nothing changed, and no secret is ever listed or written in plain text to the identity file, which like the
 * master key is readable only by its owner.
 */
final class IdentityCommandsTest {
    private static final String ACCOUNT = "111122223333";
    private static final String NEW_LINE = System.lineSeparator();

    @TempDir
    Path data;

    private Installation installation;
    private AwsCredentialsIdentity first;
    private AwsCredentialsIdentity second;

    /** A data folder as {@code cairn serve} leaves it, plus account 111122223333 with user app (2 keys), role ops. */
    @BeforeEach
    void createDataFolder() throws IOException {
        installation = Installation.openOrCreate(data, Clock.systemUTC());
        assertThat(succeeds("account", "create", "--id", ACCOUNT, "--name", "tests").out())
                .matches("account 111122223333 \\(tests\\), PutAuditEvents channel [0-9a-f-]{36}" + NEW_LINE);
        assertThat(succeeds("user", "create", "--account", ACCOUNT, "--name", "app", "--permission-set", "auditor")
                .out()).matches("user arn:aws:iam::111122223333:user/app \\(AIDA[A-Z2-7]{17}\\), permission set "
                + "auditor" + NEW_LINE);
        assertThat(succeeds("role", "create", "--account", ACCOUNT, "--name", "ops", "--permission-set", "auditor")
                .out()).matches("role arn:aws:iam::111122223333:role/ops \\(AROA[A-Z2-7]{17}\\), permission set "
                + "auditor" + NEW_LINE);
        first = succeeds("key", "create", "--account", ACCOUNT, "--user", "app").credentials();
        second = succeeds("key", "create", "--account", ACCOUNT, "--user", "app").credentials();
    }

    /** Runs a verb on the data folder ({@code --data} goes after the first two words). */
    private CommandRun run(String... arguments) {
        List<String> withData = new ArrayList<>(Arrays.asList(arguments).subList(0, 2));
        withData.addAll(List.of("--data", data.toString()));
        withData.addAll(Arrays.asList(arguments).subList(2, arguments.length));
        return cairn(withData.toArray(String[]::new));
    }

    private CommandRun succeeds(String... arguments) {
        CommandRun result = run(arguments);
        assertThat(result.status()).as(result.err()).isZero();
        assertThat(result.err()).isEmpty();
        return result;
    }

    /** Asserts the verb is refused with {@code message} and leaves the identity file and its counter as they were. */
    private void assertRefused(String message, String... arguments) throws IOException {
        byte[] identityBefore = Files.readAllBytes(identityFile());
        byte[] generationBefore = Files.readAllBytes(data.resolve("identity/generation"));

        CommandRun result = run(arguments);

        assertThat(result.status()).isEqualTo(1);
        assertThat(result.err()).isEqualTo("cairn: " + message + NEW_LINE);
        assertThat(result.out()).isEmpty();
        assertThat(Files.readAllBytes(identityFile())).isEqualTo(identityBefore);
        assertThat(Files.readAllBytes(data.resolve("identity/generation"))).isEqualTo(generationBefore);
    }

    private Path identityFile() {
        return data.resolve("identity/identity.json");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            user create --account 999999999999 --name bob --permission-set auditor | there is no account 999999999999
            key create --account 999999999999 --user app | there is no account 999999999999
            user create --account 111122223333 --name app --permission-set writer | user app already exists in account 111122223333
            role create --account 111122223333 --name ops --permission-set auditor | role ops already exists in account 111122223333
            key create --account 111122223333 --user app | user app already has 2 access keys; delete one first
            user create --account 111122223333 --name bob --permission-set reader | unknown permission set reader; one of administrator, auditor, writer
            user create --account 111122223333 --name bob --permission-set Auditor | unknown permission set Auditor; one of administrator, auditor, writer
            account create --id 12345 | an account ID is 12 digits, not 12345
            account create --id 1111222233334 | an account ID is 12 digits, not 1111222233334
            account create --id 11112222333x | an account ID is 12 digits, not 11112222333x
            account create --id 111122223333 | account 111122223333 already exists
            user create --account 12345 --name bob --permission-set auditor | there is no account 12345
            user create --account 111122223333 --name bob --permission-set writer --grant 12345 | a granted account is a 12-digit ID, not 12345
            user create --account 111122223333 --name bob/x --permission-set auditor | a user or role name is 1 to 64 of letters, digits and +=,.@_-, not bob/x
            user delete --account 111122223333 --name app | user app still has access keys; delete them first
            user delete --account 111122223333 --name nobody | there is no user nobody in account 111122223333
            key create --account 111122223333 --user ops | there is no user ops in account 111122223333
            key delete AKIANOSUCHKEY0000000 | there is no access key AKIANOSUCHKEY0000000
            key deactivate AKIANOSUCHKEY0000000 | there is no access key AKIANOSUCHKEY0000000
            key rotate AKIANOSUCHKEY0000000 | there is no access key AKIANOSUCHKEY0000000
            role assume --account 111122223333 --name app | there is no role app in account 111122223333
            role assume --account 111122223333 --name ops --duration PT14M | a session lasts from 15 minutes to 12 hours, not PT14M
            role assume --account 111122223333 --name ops --duration PT12H1M | a session lasts from 15 minutes to 12 hours, not PT12H1M
            role assume --account 111122223333 --name ops --session-name x | a session name is 2 to 64 of letters, digits and +=,.@_-, not x
            key list --account 999999999999 | there is no account 999999999999
            user list --account 999999999999 | there is no account 999999999999
            """)
    void verb_badInput_isRefusedWithMessageAndNothingChanges(String command, String message) throws IOException {
        assertRefused(message, command.split(" "));
    }

    @Test
    void verb_brokenIdentityFile_isAMessageNotAStackTrace() throws IOException {
        Files.writeString(identityFile(), "{\"accounts\": [");
        CommandRun result = run("account", "list");
        assertThat(result.status()).isEqualTo(1);
        assertThat(result.err()).startsWith("cairn: could not read the identity directory in ")
                .doesNotContain("\tat ");
    }

    @Test
    void keyRotate_userWithTwoKeys_isRefusedAndNothingChanges() throws IOException {
        assertRefused("user app already has 2 access keys; delete the one not in use first",
                "key", "rotate", first.accessKeyId());
    }

    @Test
    void keyRotate_temporaryKey_isRefusedAndNothingChanges() throws IOException {
        String temporary = succeeds("role", "assume", "--account", ACCOUNT, "--name", "ops").credentials()
                .accessKeyId();

        assertRefused("access key " + temporary + " is temporary; assume the role again", "key", "rotate", temporary);
    }

    @ParameterizedTest
    @ValueSource(strings = {"account list", "account create --name other",
            "user create --account 111122223333 --name bob --permission-set auditor",
            "key create --account 111122223333 --user app", "key list --account 111122223333"})
    void verb_folderWithoutInstallation_isRefusedAndFolderStaysEmpty(String command) throws IOException {
        Path empty = Files.createDirectory(data.resolve("empty"));
        List<String> arguments = new ArrayList<>(List.of(command.split(" ")));
        arguments.addAll(2, List.of("--data", empty.toString()));

        CommandRun result = cairn(arguments.toArray(String[]::new));

        assertThat(result.status()).isEqualTo(1);
        assertThat(result.err()).isEqualTo("cairn: " + empty.toAbsolutePath() + " is not a Cairn data folder (no "
                + "installation/ in it); start `cairn serve --data " + empty + "` once first" + NEW_LINE);
        assertThat(result.out()).isEmpty();
        try (Stream<Path> files = Files.list(empty)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void verb_folderThatDoesNotExist_isRefusedAndNotCreated() {
        Path missing = data.resolve("missing");

        CommandRun result = cairn("account", "list", "--data", missing.toString());

        assertThat(result.status()).isEqualTo(1);
        assertThat(result.err()).startsWith("cairn: " + missing.toAbsolutePath() + " is not a Cairn data folder");
        assertThat(missing).doesNotExist();
    }

    @Test
    void keyList_keysOfUsersAndRoles_showsIdsAndStatusButNoSecrets() {
        AwsSessionCredentialsIdentity session = (AwsSessionCredentialsIdentity) succeeds("role", "assume",
                "--account", ACCOUNT, "--name", "ops").credentials();
        succeeds("key", "deactivate", second.accessKeyId());

        String all = succeeds("key", "list", "--account", ACCOUNT).out();
        String ofApp = succeeds("key", "list", "--account", ACCOUNT, "--user", "app").out();

        String created = "  created \\d{4}-\\d\\d-\\d\\dT\\S+Z";
        assertThat(all.lines()).satisfiesExactly(
                line -> assertThat(line).matches(first.accessKeyId() + "  user/app  Active" + created),
                line -> assertThat(line).matches(second.accessKeyId() + "  user/app  Inactive" + created),
                line -> assertThat(line).matches(session.accessKeyId() + "  role/ops  Active" + created
                        + "  expires \\S+Z"));
        assertThat(ofApp.lines()).hasSize(2);
        String ofInstallation = succeeds("key", "list", "--account", installation.accountId()).out();
        assertThat(ofInstallation).startsWith(installation.accessKeyId() + "  user/admin  Active  created ");
        for (String listing : List.of(all, ofApp, ofInstallation)) {
            assertThat(listing).doesNotContain(first.secretAccessKey(), second.secretAccessKey(),
                    session.secretAccessKey(), session.sessionToken(), installation.secretAccessKey());
        }
    }

    @Test
    void identityFile_afterEveryKindOfKeyChange_holdsNoSecretInPlainTextAndIsOwnerOnly() throws IOException {
        succeeds("key", "delete", second.accessKeyId());
        AwsCredentialsIdentity rotated = succeeds("key", "rotate", first.accessKeyId()).credentials();
        AwsSessionCredentialsIdentity session = (AwsSessionCredentialsIdentity) succeeds("role", "assume",
                "--account", ACCOUNT, "--name", "ops").credentials();

        String identity = Files.readString(identityFile());

        assertThat(identity).contains(first.accessKeyId(), rotated.accessKeyId(), session.accessKeyId(),
                installation.accessKeyId());
        assertThat(identity).doesNotContain(first.secretAccessKey(), second.secretAccessKey(),
                rotated.secretAccessKey(), session.secretAccessKey(), session.sessionToken(),
                installation.secretAccessKey());
        assertThat(Files.getPosixFilePermissions(identityFile()))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getPosixFilePermissions(data.resolve("identity/master.key")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void userDelete_userWithoutKeys_removesItAndListsNoMore() {
        succeeds("key", "delete", first.accessKeyId());
        succeeds("key", "delete", second.accessKeyId());

        assertThat(succeeds("user", "delete", "--account", ACCOUNT, "--name", "app").out())
                .isEqualTo("deleted arn:aws:iam::111122223333:user/app" + NEW_LINE);
        assertThat(succeeds("user", "list", "--account", ACCOUNT).out())
                .matches("arn:aws:iam::111122223333:role/ops  AROA[A-Z2-7]{17}  auditor" + NEW_LINE);
        assertThat(succeeds("key", "list", "--account", ACCOUNT).out()).isEmpty();
    }
}
