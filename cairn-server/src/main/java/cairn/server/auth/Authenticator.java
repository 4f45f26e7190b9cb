package cairn.server.auth;

import cairn.model.error.CloudTrailException;
import cairn.model.error.ErrorCode;
import cairn.server.audit.Call;
import cairn.server.identity.AccessKey;
import cairn.server.identity.Caller;
import cairn.server.identity.Directory;

import java.time.Clock;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

import static java.util.Objects.requireNonNull;

/**
 * Turns a signed request into its {@link Caller}: the SigV4 signature checked with the secret of an active key of the
 * identity directory (and, for a temporary key, its session token and expiry). What it learns on the way (the scope,
 * the key claimed) goes into the {@link Call}, so that a refused call is audited with as much as is known.
 */
public final class Authenticator {
    private final Directory directory;
    private final SigV4Verifier verifier;
    private final Clock clock;

    public Authenticator(Directory directory, Clock clock, Predicate<String> validRegion) {
        this.directory = requireNonNull(directory, "directory is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.verifier = new SigV4Verifier(clock, validRegion);
    }

    /**
     * Authenticates a request signed for one of {@code services}; {@code presignedCredential} is the decoded
     * {@code X-Amz-Credential} query parameter, if any.
     */
    public Caller authenticate(Call call, SigV4Verifier.Request request, Optional<String> presignedCredential,
                               Set<String> services) {
        CredentialScope scope = CredentialScope.of(request.header("authorization"), presignedCredential);
        call.scope(scope.accessKeyId(), scope.region());
        Optional<Directory.Credential> credential = directory.credential(scope.accessKeyId());
        credential.ifPresent(call::claimed);
        verifier.verify(request, services, (accessKeyId, sessionToken) -> {
            if (credential.isEmpty() || !credential.get().caller().key().id().equals(accessKeyId)) {
                return Optional.empty();
            }
            return secretOf(credential.get(), sessionToken);
        });
        Caller caller = credential.orElseThrow().caller();
        call.authenticated(caller);
        return caller;
    }

    private Optional<String> secretOf(Directory.Credential credential, Optional<String> sessionToken) {
        AccessKey key = credential.caller().key();
        if (key.status() != AccessKey.Status.ACTIVE) {
            return Optional.empty();
        }
        if (key.session().isEmpty()) {
            return sessionToken.isPresent() ? Optional.empty() : Optional.of(credential.secret());
        }
        if (sessionToken.isEmpty() || !Directory.sessionTokenMatches(key, sessionToken.get())) {
            return Optional.empty();
        }
        if (!clock.instant().isBefore(key.session().get().expires())) {
            throw new CloudTrailException(ErrorCode.EXPIRED_TOKEN,
                    "The security token included in the request is expired");
        }
        return Optional.of(credential.secret());
    }
}
