package cairn.server.console;

import cairn.server.identity.Directory;
import cairn.server.identity.Principal;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * Device cookies: a browser that signed in as a user receives a cookie, signed by the server, that names the user
 * (by principal ID) and a random nonce. Sign-ins that bring a valid one are counted against that nonce only
 * ({@link SignInGuard}), so that whoever fails on purpose to lock a user name out locks out the browsers that never
 * signed in as that user, not the ones that did. A device that fails too often itself is treated as unknown again.
 * <p>
 * A cookie is {@code base64url(principalId "." nonce "." expiry) "." base64url(HMAC-SHA256)}; the key is kept,
 * readable only by its owner, in {@code device-key} beside the passwords, so that a restart keeps browsers known.
 * Thread-safe.
 */
final class DeviceCookies {
    static final String NAME = "cairn_device";
    static final Duration LIFETIME = Duration.ofDays(90);
    static final String KEY_FILE = "device-key";
    private static final int KEY_BYTES = 32;
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private final byte[] key;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    private DeviceCookies(byte[] key, Clock clock) {
        this.key = key;
        this.clock = clock;
    }

    /** The cookies signed with the key in {@code folder}, made there at first use. */
    static DeviceCookies open(Path folder, Clock clock) {
        requireNonNull(clock, "clock is null");
        Path file = requireNonNull(folder, "folder is null").resolve(KEY_FILE);
        try {
            if (!Files.exists(file)) {
                Files.createDirectories(folder);
                byte[] fresh = new byte[KEY_BYTES];
                new SecureRandom().nextBytes(fresh);
                Directory.writePrivate(file, fresh);
            }
            byte[] key = Files.readAllBytes(file);
            if (key.length != KEY_BYTES) {
                throw new IllegalStateException("the console's device key " + file + " has " + key.length
                        + " bytes, not " + KEY_BYTES + " (delete it: browsers that signed in are then unknown again)");
            }
            return new DeviceCookies(key, clock);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or make the console's device key " + file, e);
        }
    }

    /** A new cookie value for a browser that just signed in as {@code principal}. */
    String issue(Principal principal) {
        byte[] nonce = new byte[16];
        random.nextBytes(nonce);
        String payload = principal.id() + "." + HexFormat.of().formatHex(nonce) + "."
                + clock.instant().plus(LIFETIME).getEpochSecond();
        byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
        return ENCODER.encodeToString(bytes) + "." + ENCODER.encodeToString(mac(bytes));
    }

    /**
     * The nonce of {@code value} when it is a cookie this server signed for {@code principal} and has not expired;
     * empty for anything else (forged, cut, another user's, expired, not base64).
     */
    Optional<String> nonce(String value, Principal principal) {
        int dot = value.indexOf('.');
        if (dot < 0 || value.length() > 512) {
            return Optional.empty();
        }
        byte[] payload;
        byte[] signature;
        try {
            payload = DECODER.decode(value.substring(0, dot));
            signature = DECODER.decode(value.substring(dot + 1));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (!MessageDigest.isEqual(mac(payload), signature)) {
            return Optional.empty();
        }
        String[] parts = new String(payload, StandardCharsets.UTF_8).split("\\.");
        if (parts.length != 3 || !parts[0].equals(principal.id())) {
            return Optional.empty();
        }
        try {
            return Instant.ofEpochSecond(Long.parseLong(parts[2])).isAfter(clock.instant())
                    ? Optional.of(parts[1]) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private byte[] mac(byte[] payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(payload);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }
}
