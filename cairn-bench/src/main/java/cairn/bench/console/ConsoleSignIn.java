package cairn.bench.console;

import cairn.bench.events.SyntheticEvents;
import cairn.server.console.ConsolePasswords;
import cairn.server.identity.Directory;
import cairn.server.identity.Principal;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;

/** The console password of a user of the benchmark's account, whose events the big store holds. */
final class ConsoleSignIn {
    private ConsoleSignIn() {
    }

    static void setPassword(Path data, String user, String password) throws IOException {
        Directory directory = Directory.open(data.resolve("identity"), Clock.systemUTC());
        Principal principal = directory.state().principal(SyntheticEvents.ACCOUNT, Principal.Type.USER, user)
                .orElseThrow(() -> new IOException("no user " + user + " in the benchmark account"));
        new ConsolePasswords(data.resolve("console"), Clock.systemUTC()).set(principal, password);
    }
}
