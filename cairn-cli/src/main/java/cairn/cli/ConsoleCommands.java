package cairn.cli;

import cairn.server.console.ConsolePasswords;
import cairn.server.identity.Directory;
import cairn.server.identity.Principal;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Properties;

/** {@code cairn console ...}: the console's sign-in passwords, kept in the data folder. */
final class ConsoleCommands {
    private ConsoleCommands() {
    }

    @Command(name = "console", mixinStandardHelpOptions = true, description = "Console sign-in passwords.",
            subcommands = {SetPassword.class})
    static final class Console extends IdentityCommands.Group {
    }

    @Command(name = "password", mixinStandardHelpOptions = true,
            description = "Sets a user's console password (12 to 256 characters), read from the first line of "
                    + "standard input or of --password-file; a running server takes it at the next sign-in.")
    static final class SetPassword extends IdentityCommands.Verb {
        @Option(names = "--user", required = true, description = "the user's name")
        String user;

        @Option(names = "--account", description = "the user's account (default: the installation's first)")
        String account;

        @Option(names = "--password-file", description = "a file whose first line is the password")
        Path passwordFile;

        @Override
        void run(Directory directory, PrintWriter out) {
            String accountId = account != null ? account : installationAccount(folder.data);
            Principal principal = directory.state().principal(accountId, Principal.Type.USER, user)
                    .orElseThrow(() -> new IllegalArgumentException("no user " + user + " in account " + accountId));
            String password = readPassword();
            new ConsolePasswords(folder.data.resolve("console"), Clock.systemUTC()).set(principal, password);
            out.println("console password of " + principal.arn() + " set");
        }

        private String readPassword() {
            try (BufferedReader reader = passwordFile != null
                    ? Files.newBufferedReader(passwordFile, StandardCharsets.UTF_8)
                    : new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                String line = reader.readLine();
                if (line == null) {
                    throw new IllegalArgumentException("no password given (one line on standard input or in "
                            + "--password-file)");
                }
                return line;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the password", e);
            }
        }

        private static String installationAccount(Path data) {
            Properties properties = new Properties();
            try (var reader = Files.newBufferedReader(data.resolve("installation").resolve(
                    "installation.properties"))) {
                properties.load(reader);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the installation's account", e);
            }
            return properties.getProperty("account-id");
        }
    }
}
