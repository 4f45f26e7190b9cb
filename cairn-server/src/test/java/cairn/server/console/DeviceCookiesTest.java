package cairn.server.console;

import cairn.server.identity.PermissionSet;
import cairn.server.identity.Principal;
import cairn.server.testing.MutableClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DeviceCookiesTest {
    @TempDir
    Path folder;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-06T10:00:00Z"));
    private final Principal alice = user("alice", "AIDAALICEALICEALICE1");
    private final Principal bob = user("bob", "AIDABOBBOBBOBBOBBOB1");

    @Test
    void issued_isValidForItsUserOnly_andUntilItExpires() {
        DeviceCookies cookies = DeviceCookies.open(folder, clock);
        String cookie = cookies.issue(alice);

        assertThat(cookies.nonce(cookie, alice)).get().asString().hasSize(32);
        assertThat(cookies.nonce(cookies.issue(alice), alice)).isNotEqualTo(cookies.nonce(cookie, alice));
        assertThat(cookies.nonce(cookie, bob)).isEmpty();
        clock.advance(DeviceCookies.LIFETIME.minusSeconds(1));
        assertThat(cookies.nonce(cookie, alice)).isPresent();
        clock.advance(Duration.ofSeconds(1));
        assertThat(cookies.nonce(cookie, alice)).isEmpty();
    }

    @Test
    void keyIsKeptPrivately_soThatARestartKeepsBrowsersKnown() throws Exception {
        String cookie = DeviceCookies.open(folder, clock).issue(alice);

        assertThat(DeviceCookies.open(folder, clock).nonce(cookie, alice)).isPresent();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(
                folder.resolve(DeviceCookies.KEY_FILE)))).isEqualTo("rw-------");
        Files.delete(folder.resolve(DeviceCookies.KEY_FILE));
        assertThat(DeviceCookies.open(folder, clock).nonce(cookie, alice)).as("a new key").isEmpty();
    }

    @Test
    void forgedCutOrGarbled_areNotValid() {
        DeviceCookies cookies = DeviceCookies.open(folder, clock);
        String cookie = cookies.issue(alice);
        String payload = cookie.substring(0, cookie.indexOf('.'));
        String signature = cookie.substring(cookie.indexOf('.') + 1);
        String otherPayload = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                new String(java.util.Base64.getUrlDecoder().decode(payload), java.nio.charset.StandardCharsets.UTF_8)
                        .replace(alice.id(), bob.id()).getBytes(java.nio.charset.StandardCharsets.UTF_8));

        assertThat(cookies.nonce(otherPayload + "." + signature, bob)).as("another user's name, same signature")
                .isEmpty();
        assertThat(cookies.nonce(payload, alice)).isEmpty();
        assertThat(cookies.nonce(payload + ".", alice)).isEmpty();
        assertThat(cookies.nonce(payload + "." + signature.substring(1), alice)).isEmpty();
        assertThat(cookies.nonce("%%%." + signature, alice)).isEmpty();
        assertThat(cookies.nonce("x".repeat(600) + "." + signature, alice)).isEmpty();
    }

    @Test
    void keyOfTheWrongSize_isRefusedWithWhatToDo() throws Exception {
        Files.write(folder.resolve(DeviceCookies.KEY_FILE), new byte[7]);

        assertThatThrownBy(() -> DeviceCookies.open(folder, clock)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("has 7 bytes, not 32 (delete it");
    }

    private static Principal user(String name, String id) {
        return new Principal("123456789012", Principal.Type.USER, name, id, PermissionSet.AUDITOR, List.of(),
                Instant.parse("2026-01-01T00:00:00Z"));
    }
}
