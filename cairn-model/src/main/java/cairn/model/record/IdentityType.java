package cairn.model.record;

import java.util.Optional;

/**
 * The {@code userIdentity.type} values CloudTrail writes. Records may carry others (the list grows); they are kept as
 * text and only these are interpreted.
 */
public enum IdentityType {
    ROOT("Root"),
    IAM_USER("IAMUser"),
    ASSUMED_ROLE("AssumedRole"),
    ROLE("Role"),
    FEDERATED_USER("FederatedUser"),
    DIRECTORY("Directory"),
    AWS_ACCOUNT("AWSAccount"),
    AWS_SERVICE("AWSService"),
    SAML_USER("SAMLUser"),
    WEB_IDENTITY_USER("WebIdentityUser"),
    IDENTITY_CENTER_USER("IdentityCenterUser"),
    UNKNOWN("Unknown");

    private final String wireName;

    IdentityType(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static Optional<IdentityType> of(String wireName) {
        for (IdentityType type : values()) {
            if (type.wireName.equals(wireName)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }
}
