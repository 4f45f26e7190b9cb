package cairn.server.identity;

import java.time.Instant;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * An access key of a principal. Long-term keys ({@code AKIA...}) belong to users; temporary keys ({@code ASIA...})
 * come from assuming a role, carry a session token (kept as its SHA-256) and expire. The secret is kept sealed.
 */
public record AccessKey(String id, String accountId, Principal.Type principalType, String principalName,
                        Status status, Instant created, String sealedSecret, Optional<Session> session) {
    public enum Status {
        ACTIVE("Active"),
        INACTIVE("Inactive");

        private final String wireName;

        Status(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }

        public static Status fromWireName(String name) {
            for (Status status : values()) {
                if (status.wireName.equalsIgnoreCase(name)) {
                    return status;
                }
            }
            throw new IllegalArgumentException("a key's status is Active or Inactive, not " + name);
        }
    }

    /** What a temporary key carries: the session's name, the SHA-256 of its token (hex) and its expiry. */
    public record Session(String name, String tokenSha256, Instant expires) {
        public Session {
            requireNonNull(name, "name is null");
            requireNonNull(tokenSha256, "tokenSha256 is null");
            requireNonNull(expires, "expires is null");
        }
    }

    public AccessKey {
        requireNonNull(id, "id is null");
        requireNonNull(accountId, "accountId is null");
        requireNonNull(principalType, "principalType is null");
        requireNonNull(principalName, "principalName is null");
        requireNonNull(status, "status is null");
        requireNonNull(created, "created is null");
        requireNonNull(sealedSecret, "sealedSecret is null");
        requireNonNull(session, "session is null");
    }

    AccessKey withStatus(Status newStatus) {
        return new AccessKey(id, accountId, principalType, principalName, newStatus, created, sealedSecret, session);
    }

    @Override
    public String toString() {
        return "AccessKey[" + id + " of " + principalType.wireName() + " " + accountId + "/" + principalName + ", "
                + status.wireName() + "]";
    }
}
