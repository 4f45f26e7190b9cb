package cairn.server.history;

import cairn.model.error.CloudTrailException;
import cairn.model.error.ErrorCode;
import cairn.store.Position;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;

/**
 * LookupEvents pagination tokens. A token names the last event returned (its time and offset), so it stays valid
 * while new events arrive; it is bound to the parameters of the call that issued it, carries its issue time, and is
 * signed with the installation's key: a forged, altered, reused-with-other-parameters or expired token is refused.
 */
final class NextTokens {
    private static final byte VERSION = 1;
    private static final int MAC_BYTES = 16;
    private static final int BODY_BYTES = 1 + 8 + 8 + 8 + 8;

    private final SecretKeySpec key;
    private final Clock clock;
    private final Duration ttl;

    NextTokens(byte[] key, Clock clock, Duration ttl) {
        this.key = new SecretKeySpec(key, "HmacSHA256");
        this.clock = clock;
        this.ttl = ttl;
    }

    String issue(Position after, String parameters) {
        ByteBuffer body = ByteBuffer.allocate(BODY_BYTES + MAC_BYTES);
        body.put(VERSION).putLong(after.eventTime()).putLong(after.offset())
                .putLong(clock.millis()).putLong(fingerprint(parameters));
        body.put(mac(body.array(), BODY_BYTES));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(body.array());
    }

    Position read(String token, String parameters) {
        byte[] bytes;
        try {
            bytes = Base64.getUrlDecoder().decode(token);
        } catch (IllegalArgumentException e) {
            throw invalid("The NextToken is not valid.");
        }
        if (bytes.length != BODY_BYTES + MAC_BYTES || bytes[0] != VERSION) {
            throw invalid("The NextToken is not valid.");
        }
        byte[] expected = mac(bytes, BODY_BYTES);
        byte[] given = java.util.Arrays.copyOfRange(bytes, BODY_BYTES, BODY_BYTES + MAC_BYTES);
        if (!MessageDigest.isEqual(expected, given)) {
            throw invalid("The NextToken is not valid.");
        }
        ByteBuffer body = ByteBuffer.wrap(bytes, 1, BODY_BYTES - 1);
        long time = body.getLong();
        long offset = body.getLong();
        long issued = body.getLong();
        long fingerprint = body.getLong();
        if (fingerprint != fingerprint(parameters)) {
            throw invalid("The NextToken was issued for a call with other parameters; "
                    + "send it with the same parameters as the call that returned it.");
        }
        if (clock.millis() - issued > ttl.toMillis()) {
            throw invalid("The NextToken has expired.");
        }
        return new Position(time, offset);
    }

    private byte[] mac(byte[] data, int length) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            mac.update(data, 0, length);
            return java.util.Arrays.copyOf(mac.doFinal(), MAC_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long fingerprint(String parameters) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(parameters.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest).getLong();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static CloudTrailException invalid(String message) {
        return new CloudTrailException(ErrorCode.INVALID_NEXT_TOKEN, message);
    }
}
