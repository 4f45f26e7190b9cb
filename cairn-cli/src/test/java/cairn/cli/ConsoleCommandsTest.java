package cairn.cli;

import cairn.server.console.ConsolePasswords;
import cairn.server.identity.Installation;
import cairn.server.identity.Principal;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code cairn console password}: sets a user's console password in the data folder, refusing bad input. */
final class ConsoleCommandsTest {
    @TempDir
    Path data;
    @TempDir
    Path files;
    Installation installation;

    @BeforeEach
    void createDataFolder() throws IOException {
        installation = Installation.openOrCreate(data, Clock.systemUTC());
    }

    private Path passwordFile(String content) throws IOException {
        return Files.writeString(files.resolve("password-" + content.length()), content);
    }

    @Test
    void password_ofTheAdministrator_isSetAsASlowHashReadableOnlyByItsOwner() throws IOException {
        CommandRun run = CommandRun.cairn("console", "password", "--data", data.toString(), "--user", "admin",
                "--password-file", passwordFile("a long enough password\nignored second line").toString());

        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("console password of arn:aws:iam::" + installation.accountId()
                + ":user/admin set" + System.lineSeparator());
        ConsolePasswords passwords = new ConsolePasswords(data.resolve("console"), Clock.systemUTC());
        Optional<Principal> admin = installation.directory().state().principal(installation.accountId(),
                Principal.Type.USER, "admin");
        assertThat(passwords.check(admin, "a long enough password"))
                .isEqualTo(passwords.stamp(admin.orElseThrow()));
        assertThat(passwords.check(admin, "ignored second line")).isEmpty();
        Path file = data.resolve("console/passwords.json");
        assertThat(Files.readString(file)).doesNotContain("a long enough password");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }

    @Test
    void password_badInput_refusedWithTheReasonAndNothingWritten() throws IOException {
        CommandRun shortOne = CommandRun.cairn("console", "password", "--data", data.toString(), "--user", "admin",
                "--password-file", passwordFile("too short").toString());
        assertThat(shortOne.status()).isEqualTo(1);
        assertThat(shortOne.err()).isEqualTo("cairn: The new password must be at least 12 characters long."
                + System.lineSeparator());

        CommandRun noUser = CommandRun.cairn("console", "password", "--data", data.toString(), "--user", "nobody",
                "--password-file", passwordFile("a long enough password").toString());
        assertThat(noUser.status()).isEqualTo(1);
        assertThat(noUser.err()).isEqualTo("cairn: no user nobody in account " + installation.accountId()
                + System.lineSeparator());

        CommandRun empty = CommandRun.cairn("console", "password", "--data", data.toString(), "--user", "admin",
                "--password-file", passwordFile("").toString());
        assertThat(empty.err()).isEqualTo("cairn: no password given (one line on standard input or in "
                + "--password-file)" + System.lineSeparator());
        assertThat(data.resolve("console/passwords.json")).doesNotExist();
    }
}
