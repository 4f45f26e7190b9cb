package cairn.server.console;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Lock-out after repeated failed sign-ins: an attempt counts against its user name (one that exists or not, so that a
 * lock tells nothing) before its password is checked, so that attempts made in parallel count too; after
 * {@value #MAX_FAILURES} without a success the name is locked for {@link #LOCK}. A success clears the count.
 * <p>
 * An attempt from a browser that signed in as the user before (a valid {@link DeviceCookies device cookie}) counts
 * against that device instead, so that failing on purpose locks out only unknown browsers and the user still gets in;
 * a device locked in turn is treated as unknown. Kept in memory: a restart clears the locks. Thread-safe.
 */
final class SignInGuard {
    static final int MAX_FAILURES = 5;
    static final Duration LOCK = Duration.ofMinutes(15);
    /** While a name is locked, a refused attempt is recorded at most this often. */
    static final Duration RECORD_LOCKED_EVERY = Duration.ofMinutes(1);
    /** Beyond this many names tracked, those neither locked nor tried within a lock period are forgotten. */
    private static final int MAX_TRACKED = 100_000;

    private record Attempts(int count, Instant last, Optional<Instant> lockedUntil, Optional<Instant> recorded) {
    }

    /**
     * What an attempt may do: go on and check the password, or not, the name being locked until a time; {@code key}
     * is what it was counted against.
     */
    record Verdict(String key, Optional<Instant> lockedUntil, boolean record) {
        boolean allowed() {
            return lockedUntil.isEmpty();
        }
    }

    private final Map<String, Attempts> attempts = new ConcurrentHashMap<>();
    private final Clock clock;

    SignInGuard(Clock clock) {
        this.clock = clock;
    }

    /**
     * Counts an attempt for {@code name} from a browser with the device nonce {@code device} (empty: an unknown
     * browser), against the device while it is not locked itself, else against the name, and says whether it may go
     * on; a refused one says whether its event is to be recorded (the first refusal in each
     * {@link #RECORD_LOCKED_EVERY}).
     */
    Verdict attempt(String name, Optional<String> device) {
        Instant now = clock.instant();
        if (device.isPresent()) {
            String key = "device " + device.get();
            Attempts counted = attempts.get(key);
            if (counted == null || counted.lockedUntil().filter(until -> until.isAfter(now)).isEmpty()) {
                return count(key, now);
            }
        }
        return count("name " + name, now);
    }

    private Verdict count(String name, Instant now) {
        if (attempts.size() > MAX_TRACKED) {
            attempts.values().removeIf(entry -> entry.last().plus(LOCK).isBefore(now)
                    && entry.lockedUntil().map(until -> until.isBefore(now)).orElse(true));
        }
        boolean[] record = {false};
        Attempts updated = attempts.compute(name, (key, previous) -> {
            if (previous != null && previous.lockedUntil().filter(until -> until.isAfter(now)).isPresent()) {
                boolean due = previous.recorded().map(at -> !at.plus(RECORD_LOCKED_EVERY).isAfter(now)).orElse(true);
                record[0] = due;
                return due ? new Attempts(previous.count(), now, previous.lockedUntil(), Optional.of(now)) : previous;
            }
            int count = previous == null || previous.lockedUntil().isPresent() ? 1 : previous.count() + 1;
            if (count > MAX_FAILURES) {
                record[0] = true;
                return new Attempts(0, now, Optional.of(now.plus(LOCK)), Optional.of(now));
            }
            return new Attempts(count, now, Optional.empty(), Optional.empty());
        });
        return new Verdict(name, updated.lockedUntil(), updated.lockedUntil().isEmpty() || record[0]);
    }

    /** The attempt succeeded: the count it was made against (the name's or the device's) starts again. */
    void succeeded(Verdict verdict) {
        attempts.remove(verdict.key());
    }
}
