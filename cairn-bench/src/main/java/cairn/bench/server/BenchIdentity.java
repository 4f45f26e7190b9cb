package cairn.bench.server;

import cairn.bench.events.SyntheticEvents;
import cairn.bench.http.SigV4Signer;
import cairn.server.identity.AccessKey;
import cairn.server.identity.Directory;
import cairn.server.identity.PermissionSet;
import cairn.server.identity.Principal;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * The principals the benchmarks call Cairn as, in the account the synthetic events belong to
 * ({@link SyntheticEvents#ACCOUNT}): a writer that sends the batches and an auditor that looks them up, an administrator that makes trails. Written into
 * a data folder's identity directory; a running server sees them on its next request.
 */
public final class BenchIdentity {
    private BenchIdentity() {
    }

    /** The keys, each new (older keys of these users are deleted). */
    public record Keys(SigV4Signer.Credentials writer, SigV4Signer.Credentials auditor,
                       SigV4Signer.Credentials admin) {
    }

    public static Keys prepare(Path dataDirectory) throws IOException {
        Directory directory = Directory.open(dataDirectory.resolve("identity"), Clock.systemUTC());
        if (directory.account(SyntheticEvents.ACCOUNT).isEmpty()) {
            directory.createAccount(Optional.of(SyntheticEvents.ACCOUNT), "benchmark");
        }
        return new Keys(key(directory, "bench-writer", PermissionSet.WRITER),
                key(directory, "bench-auditor", PermissionSet.AUDITOR),
                key(directory, "bench-admin", PermissionSet.ADMINISTRATOR));
    }

    private static SigV4Signer.Credentials key(Directory directory, String name, PermissionSet permissions) {
        String account = SyntheticEvents.ACCOUNT;
        if (directory.state().principal(account, Principal.Type.USER, name).isEmpty()) {
            directory.createPrincipal(account, Principal.Type.USER, name, permissions, List.of());
        }
        for (AccessKey old : directory.state().keysOf(account, Principal.Type.USER, name)) {
            directory.deleteAccessKey(old.id());
        }
        Directory.NewKey key = directory.createAccessKey(account, name);
        return new SigV4Signer.Credentials(key.key().id(), key.secret());
    }
}
