package cairn.cli;

import cairn.server.identity.AccessKey;
import cairn.server.identity.Account;
import cairn.server.identity.Directory;
import cairn.server.identity.PermissionSet;
import cairn.server.identity.Principal;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * The admin verbs of the {@code cairn} command: accounts, users, roles and access keys, changed in the data folder's
 * identity directory. A server running on that folder sees each change on its next request, without a restart.
 */
final class IdentityCommands {
    private IdentityCommands() {
    }

    /** The data folder option every admin verb takes, and the directory it opens. */
    static final class DataFolder {
        @Option(names = "--data", description = "data folder (default: ./data)", defaultValue = "data")
        Path data;

        Directory open() throws IOException {
            if (!Files.isDirectory(data.resolve("installation"))) {
                throw new IllegalArgumentException(data.toAbsolutePath() + " is not a Cairn data folder (no "
                        + "installation/ in it); start `cairn serve --data " + data + "` once first");
            }
            return Directory.open(data.resolve("identity"), Clock.systemUTC());
        }
    }

    /** A command that only groups verbs: run alone, it shows them. */
    abstract static class Group implements Runnable {
        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().usage(spec.commandLine().getOut());
        }
    }

    /** Runs a verb, turning a refused change into a message and exit status 1. */
    abstract static class Verb implements Callable<Integer> {
        @Mixin
        DataFolder folder;

        @Spec
        CommandSpec spec;

        @Override
        public final Integer call() {
            try {
                run(folder.open(), spec.commandLine().getOut());
                spec.commandLine().getOut().flush();
                return 0;
            } catch (IllegalArgumentException | IllegalStateException | IOException | UncheckedIOException e) {
                spec.commandLine().getErr().println("cairn: " + e.getMessage()
                        + (e.getCause() != null && e instanceof UncheckedIOException ? ": " + e.getCause().getMessage()
                        : ""));
                spec.commandLine().getErr().flush();
                return 1;
            }
        }

        abstract void run(Directory directory, PrintWriter out);
    }

    @Command(name = "account", mixinStandardHelpOptions = true, description = "Create and list accounts.",
            subcommands = {CreateAccount.class, ListAccounts.class})
    static final class Accounts extends Group {
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Creates an account.")
    static final class CreateAccount extends Verb {
        @Option(names = "--id", description = "its 12-digit ID (default: a new one)")
        String id;

        @Option(names = "--name", description = "a name for people", defaultValue = "account")
        String name;

        @Override
        void run(Directory directory, PrintWriter out) {
            Account account = directory.createAccount(Optional.ofNullable(id), name);
            out.println("account " + account.id() + " (" + account.name() + "), PutAuditEvents channel "
                    + account.channelId());
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the accounts.")
    static final class ListAccounts extends Verb {
        @Override
        void run(Directory directory, PrintWriter out) {
            for (Account account : directory.state().accounts()) {
                out.println(account.id() + "  " + account.name() + "  channel " + account.channelId() + "  created "
                        + account.created());
            }
        }
    }

    @Command(name = "user", mixinStandardHelpOptions = true, description = "Create, list and delete users.",
            subcommands = {CreateUser.class, ListPrincipals.class, DeleteUser.class})
    static final class Users extends Group {
    }

    @Command(name = "role", mixinStandardHelpOptions = true,
            description = "Create roles and assume them for temporary credentials.",
            subcommands = {CreateRole.class, AssumeRole.class})
    static final class Roles extends Group {
    }

    abstract static class CreatePrincipal extends Verb {
        @Option(names = "--account", required = true, description = "the account it belongs to")
        String account;

        @Option(names = "--name", required = true, description = "its name")
        String name;

        @Option(names = "--permission-set", required = true,
                description = "administrator (everything in its account), auditor (read) or writer (ingest only)")
        String permissionSet;

        @Option(names = "--grant", description = "another account it may put events into (repeatable)")
        List<String> granted = List.of();

        abstract Principal.Type type();

        @Override
        void run(Directory directory, PrintWriter out) {
            Principal principal = directory.createPrincipal(account, type(), name,
                    PermissionSet.fromWireName(permissionSet), granted);
            out.println(type().wireName() + " " + principal.arn() + " (" + principal.id() + "), permission set "
                    + principal.permissions().wireName()
                    + (granted.isEmpty() ? "" : ", granted accounts " + String.join(", ", granted)));
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Creates a user.")
    static final class CreateUser extends CreatePrincipal {
        @Override
        Principal.Type type() {
            return Principal.Type.USER;
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Creates a role.")
    static final class CreateRole extends CreatePrincipal {
        @Override
        Principal.Type type() {
            return Principal.Type.ROLE;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the users and roles of an account.")
    static final class ListPrincipals extends Verb {
        @Option(names = "--account", required = true)
        String account;

        @Override
        void run(Directory directory, PrintWriter out) {
            requireAccount(directory, account);
            for (Principal principal : directory.state().principals()) {
                if (principal.accountId().equals(account)) {
                    out.println(principal.arn() + "  " + principal.id() + "  " + principal.permissions().wireName()
                            + (principal.grantedAccounts().isEmpty() ? ""
                            : "  granted " + String.join(",", principal.grantedAccounts())));
                }
            }
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Deletes a user that has no access keys left.")
    static final class DeleteUser extends Verb {
        @Option(names = "--account", required = true)
        String account;

        @Option(names = "--name", required = true)
        String name;

        @Override
        void run(Directory directory, PrintWriter out) {
            out.println("deleted " + directory.deletePrincipal(account, Principal.Type.USER, name).arn());
        }
    }

    @Command(name = "assume", mixinStandardHelpOptions = true,
            description = "Issues temporary credentials for a role (an ASIA key, its secret and a session token).")
    static final class AssumeRole extends Verb {
        @Option(names = "--account", required = true)
        String account;

        @Option(names = "--name", required = true, description = "the role")
        String name;

        @Option(names = "--session-name", defaultValue = "cairn-cli")
        String sessionName;

        @Option(names = "--duration", defaultValue = "PT1H", description = "ISO-8601, 15 minutes to 12 hours "
                + "(default: PT1H)")
        Duration duration;

        @Override
        void run(Directory directory, PrintWriter out) {
            Directory.NewKey key = directory.assumeRole(account, name, sessionName, duration);
            out.println("AWS_ACCESS_KEY_ID=" + key.key().id());
            out.println("AWS_SECRET_ACCESS_KEY=" + key.secret());
            out.println("AWS_SESSION_TOKEN=" + key.sessionToken().orElseThrow());
            out.println("# expires " + key.key().session().orElseThrow().expires());
        }
    }

    @Command(name = "key", mixinStandardHelpOptions = true,
            description = "Create, list, activate, deactivate, rotate and delete access keys.",
            subcommands = {CreateKey.class, ListKeys.class, SetKeyStatus.Activate.class,
                    SetKeyStatus.Deactivate.class, RotateKey.class, DeleteKey.class})
    static final class Keys extends Group {
    }

    private static void requireAccount(Directory directory, String account) {
        if (directory.account(account).isEmpty()) {
            throw new IllegalArgumentException("there is no account " + account);
        }
    }

    private static void printSecret(PrintWriter out, Directory.NewKey key) {
        out.println("# the secret is shown only now");
        out.println("AWS_ACCESS_KEY_ID=" + key.key().id());
        out.println("AWS_SECRET_ACCESS_KEY=" + key.secret());
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Creates an access key for a user.")
    static final class CreateKey extends Verb {
        @Option(names = "--account", required = true)
        String account;

        @Option(names = "--user", required = true)
        String user;

        @Override
        void run(Directory directory, PrintWriter out) {
            printSecret(out, directory.createAccessKey(account, user));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists access keys (never their secrets).")
    static final class ListKeys extends Verb {
        @Option(names = "--account", required = true)
        String account;

        @Option(names = "--user", description = "only this user's keys")
        String user;

        @Override
        void run(Directory directory, PrintWriter out) {
            requireAccount(directory, account);
            for (AccessKey key : directory.state().keys()) {
                if (key.accountId().equals(account) && (user == null || key.principalName().equals(user))) {
                    out.println(key.id() + "  " + key.principalType().wireName() + "/" + key.principalName() + "  "
                            + key.status().wireName() + "  created " + key.created()
                            + key.session().map(session -> "  expires " + session.expires()).orElse(""));
                }
            }
        }
    }

    abstract static class SetKeyStatus extends Verb {
        @Parameters(index = "0", description = "the access key ID")
        String accessKeyId;

        abstract AccessKey.Status status();

        @Override
        void run(Directory directory, PrintWriter out) {
            AccessKey key = directory.setAccessKeyStatus(accessKeyId, status());
            out.println(key.id() + " is now " + key.status().wireName());
        }

        @Command(name = "activate", mixinStandardHelpOptions = true, description = "Makes a key usable again.")
        static final class Activate extends SetKeyStatus {
            @Override
            AccessKey.Status status() {
                return AccessKey.Status.ACTIVE;
            }
        }

        @Command(name = "deactivate", mixinStandardHelpOptions = true,
                description = "Stops a key from working, from the next request on.")
        static final class Deactivate extends SetKeyStatus {
            @Override
            AccessKey.Status status() {
                return AccessKey.Status.INACTIVE;
            }
        }
    }

    @Command(name = "rotate", mixinStandardHelpOptions = true,
            description = "Creates a new key for the same user and deactivates this one.")
    static final class RotateKey extends Verb {
        @Parameters(index = "0", description = "the access key ID to replace")
        String accessKeyId;

        @Override
        void run(Directory directory, PrintWriter out) {
            Directory.NewKey key = directory.rotateAccessKey(accessKeyId);
            out.println("# " + accessKeyId + " is now Inactive; delete it once nothing uses it");
            printSecret(out, key);
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Deletes an access key.")
    static final class DeleteKey extends Verb {
        @Parameters(index = "0", description = "the access key ID")
        String accessKeyId;

        @Override
        void run(Directory directory, PrintWriter out) {
            out.println("deleted " + directory.deleteAccessKey(accessKeyId).id());
        }
    }
}
