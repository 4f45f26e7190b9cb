package cairn.server.identity;

import java.time.Instant;

import static java.util.Objects.requireNonNull;

/** An account: the unit events and trails belong to, with its 12-digit ID and its PutAuditEvents channel. */
public record Account(String id, String name, String channelId, Instant created) {
    public Account {
        requireNonNull(id, "id is null");
        requireNonNull(name, "name is null");
        requireNonNull(channelId, "channelId is null");
        requireNonNull(created, "created is null");
        if (!isValidId(id)) {
            throw new IllegalArgumentException("an account ID is 12 digits, not " + id);
        }
    }

    public static boolean isValidId(String id) {
        if (id.length() != 12) {
            return false;
        }
        for (int i = 0; i < 12; i++) {
            if (id.charAt(i) < '0' || id.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /** The ARN of the account's channel in a region. */
    public String channelArn(String region) {
        return "arn:aws:cloudtrail:" + region + ":" + id + ":channel/" + channelId;
    }
}
