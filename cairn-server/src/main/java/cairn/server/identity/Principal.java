package cairn.server.identity;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * A user or a role of an account, with the permission set it acts under and the other accounts it may put events
 * into ({@code grantedAccounts}). Users sign with long-term keys; roles only with temporary ones.
 */
public record Principal(String accountId, Type type, String name, String id, PermissionSet permissions,
                        List<String> grantedAccounts, Instant created) {
    private static final Pattern NAME = Pattern.compile("[\\w+=,.@-]{1,64}");

    public enum Type {
        USER("user", "AIDA"),
        ROLE("role", "AROA");

        private final String arnPart;
        private final String idPrefix;

        Type(String arnPart, String idPrefix) {
            this.arnPart = arnPart;
            this.idPrefix = idPrefix;
        }

        public String wireName() {
            return arnPart;
        }

        String idPrefix() {
            return idPrefix;
        }

        public static Type fromWireName(String name) {
            return switch (name.toLowerCase(Locale.ROOT)) {
                case "user" -> USER;
                case "role" -> ROLE;
                default -> throw new IllegalArgumentException("a principal is a user or a role, not " + name);
            };
        }
    }

    public Principal {
        requireNonNull(accountId, "accountId is null");
        requireNonNull(type, "type is null");
        requireNonNull(name, "name is null");
        requireNonNull(id, "id is null");
        requireNonNull(permissions, "permissions is null");
        grantedAccounts = List.copyOf(requireNonNull(grantedAccounts, "grantedAccounts is null"));
        requireNonNull(created, "created is null");
        if (!isValidName(name)) {
            throw new IllegalArgumentException("a user or role name is 1 to 64 of letters, digits and +=,.@_-, not "
                    + name);
        }
    }

    public static boolean isValidName(String name) {
        return NAME.matcher(name).matches();
    }

    /** {@code arn:aws:iam::<account>:user/<name>} or {@code ...:role/<name>}. */
    public String arn() {
        return "arn:aws:iam::" + accountId + ":" + type.wireName() + "/" + name;
    }

    /** Whether this principal may act on events of {@code account}: its own, or one granted to it. */
    public boolean mayUseAccount(String account) {
        return accountId.equals(account) || grantedAccounts.contains(account);
    }
}
