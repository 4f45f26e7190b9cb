package cairn.server.console;

import cairn.server.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class SignInGuardTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-06T10:00:10Z"));
    private final SignInGuard guard = new SignInGuard(clock);

    @Test
    void anAddress_triesThirtyTimesAMinute_whateverTheNames() {
        for (int i = 0; i < SignInGuard.MAX_PER_ADDRESS; i++) {
            assertThat(guard.attempt("192.0.2.7", "name-" + i, Optional.empty()).outcome())
                    .isEqualTo(SignInGuard.Outcome.GO);
        }

        SignInGuard.Verdict refused = guard.attempt("192.0.2.7", "another", Optional.empty());
        assertThat(refused.outcome()).isEqualTo(SignInGuard.Outcome.THROTTLED);
        assertThat(refused.until()).contains(Instant.parse("2026-12-06T10:01:00Z"));
        assertThat(refused.record()).as("the first refusal of the minute is recorded").isTrue();
        assertThat(guard.attempt("192.0.2.7", "another", Optional.empty()).record()).isFalse();
        assertThat(guard.attempt("192.0.2.8", "another", Optional.empty()).outcome()).as("another address")
                .isEqualTo(SignInGuard.Outcome.GO);

        clock.advance(Duration.ofSeconds(50));
        assertThat(guard.attempt("192.0.2.7", "another", Optional.empty()).outcome())
                .isEqualTo(SignInGuard.Outcome.GO);
    }

    @Test
    void aThrottledAttempt_doesNotCountAgainstTheName() {
        for (int i = 0; i < SignInGuard.MAX_PER_ADDRESS; i++) {
            guard.attempt("192.0.2.7", "name-" + i, Optional.empty());
        }
        for (int i = 0; i < 10; i++) {
            assertThat(guard.attempt("192.0.2.7", "admin", Optional.empty()).outcome())
                    .isEqualTo(SignInGuard.Outcome.THROTTLED);
        }

        for (int i = 0; i < SignInGuard.MAX_FAILURES; i++) {
            assertThat(guard.attempt("192.0.2.9", "admin", Optional.empty()).allowed()).isTrue();
        }
        assertThat(guard.attempt("192.0.2.9", "admin", Optional.empty()).outcome())
                .isEqualTo(SignInGuard.Outcome.LOCKED);
    }

    @Test
    void aKnownDevice_isNeitherThrottledNorRefusedWhenFull_butLimitedOnItsOwn() {
        for (int i = 0; i < SignInGuard.MAX_PER_ADDRESS; i++) {
            guard.attempt("192.0.2.1", "flood-" + i, Optional.empty());
        }
        assertThat(guard.attempt("192.0.2.1", "admin", Optional.empty()).outcome())
                .isEqualTo(SignInGuard.Outcome.THROTTLED);

        for (int i = 0; i < SignInGuard.MAX_FAILURES; i++) {
            assertThat(guard.attempt("192.0.2.1", "admin", Optional.of("nonce")).outcome()).as("behind the same proxy")
                    .isEqualTo(SignInGuard.Outcome.GO);
        }
        assertThat(guard.attempt("192.0.2.1", "admin", Optional.of("nonce")).outcome())
                .isEqualTo(SignInGuard.Outcome.LOCKED);
        assertThat(guard.attempt("192.0.2.1", "admin", Optional.of("nonce")).outcome()).as("locked device: unknown")
                .isEqualTo(SignInGuard.Outcome.THROTTLED);
    }

    @Test
    void ipv6Addresses_areCountedByTheirSlash64() {
        assertThat(SignInGuard.group("2001:db8:1:2:aaaa::1")).isEqualTo(SignInGuard.group("2001:db8:1:2:bbbb::7"))
                .isEqualTo("20010db800010002::/64");
        assertThat(SignInGuard.group("2001:db8:1:3::1")).isNotEqualTo(SignInGuard.group("2001:db8:1:2::1"));
        assertThat(SignInGuard.group("198.51.100.4")).isEqualTo("198.51.100.4");
        for (int i = 0; i < SignInGuard.MAX_PER_ADDRESS; i++) {
            guard.attempt("2001:db8:1:2::" + Integer.toHexString(i + 1), "name-" + i, Optional.empty());
        }
        assertThat(guard.attempt("2001:db8:1:2::ffff", "another", Optional.empty()).outcome())
                .isEqualTo(SignInGuard.Outcome.THROTTLED);
    }

    @Test
    void full_refusesNewNamesButCountsTrackedOnes_untilIdleOnesAreSwept() {
        for (int i = 0; i < SignInGuard.MAX_PER_ADDRESS; i++) {
            guard.attempt("192.0.2.1", "target", Optional.empty());
        }
        for (int i = 0; guard.attempt("10.0." + (i >> 8) + "." + (i & 255), "random-" + i, Optional.empty())
                .outcome() != SignInGuard.Outcome.FULL; i++) {
            assertThat(i).isLessThan(SignInGuard.MAX_TRACKED);
        }

        assertThat(guard.attempt("192.0.2.2", "someone", Optional.empty()).outcome())
                .isEqualTo(SignInGuard.Outcome.FULL);
        clock.advance(Duration.ofMinutes(1));
        assertThat(guard.attempt("192.0.2.1", "target", Optional.empty()).outcome())
                .as("a name locked before the flood stays locked").isEqualTo(SignInGuard.Outcome.LOCKED);

        clock.advance(SignInGuard.LOCK.plusSeconds(2));
        assertThat(guard.attempt("192.0.2.2", "someone", Optional.empty()).outcome())
                .as("idle entries swept out").isEqualTo(SignInGuard.Outcome.GO);
    }
}
