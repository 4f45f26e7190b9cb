package cairn.model.record;

import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The parts of a record's {@code userIdentity} that lookups use. The whole object stays in the record's bytes.
 */
public record UserIdentity(Optional<String> type, Optional<String> principalId, Optional<String> arn,
                           Optional<String> accountId, Optional<String> accessKeyId, Optional<String> userName,
                           Optional<String> invokedBy) {
    public static final UserIdentity NONE = new UserIdentity(Optional.empty(), Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

    public UserIdentity {
        requireNonNull(type, "type is null");
        requireNonNull(principalId, "principalId is null");
        requireNonNull(arn, "arn is null");
        requireNonNull(accountId, "accountId is null");
        requireNonNull(accessKeyId, "accessKeyId is null");
        requireNonNull(userName, "userName is null");
        requireNonNull(invokedBy, "invokedBy is null");
    }

    /**
     * The LookupEvents {@code Username}: the user name for IAM users (and the account alias, else {@code root}, for
     * the root user); for assumed roles and federated users, the session name that ends their ARN; otherwise the
     * {@code userName} field when the record has one.
     */
    public Optional<String> lookupUsername() {
        Optional<IdentityType> known = type.flatMap(IdentityType::of);
        if (known.isEmpty()) {
            return userName.filter(name -> !name.isEmpty());
        }
        return switch (known.get()) {
            case ROOT -> Optional.of(userName.filter(name -> !name.isEmpty()).orElse("root"));
            case ASSUMED_ROLE, FEDERATED_USER, WEB_IDENTITY_USER, SAML_USER -> userName
                    .filter(name -> !name.isEmpty())
                    .or(() -> arn.filter(value -> value.indexOf('/') >= 0)
                            .map(value -> value.substring(value.lastIndexOf('/') + 1)))
                    .or(() -> principalId.filter(value -> value.indexOf(':') >= 0)
                            .map(value -> value.substring(value.indexOf(':') + 1)))
                    .filter(name -> !name.isEmpty());
            case IAM_USER, ROLE, DIRECTORY, AWS_ACCOUNT, AWS_SERVICE, IDENTITY_CENTER_USER, UNKNOWN ->
                    userName.filter(name -> !name.isEmpty());
        };
    }
}
