package cairn.server.console;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Lock-out after repeated failed sign-ins: {@value #MAX_FAILURES} failures in a row for one user name (one that
 * exists or not, so that a lock tells nothing) lock it for {@link #LOCK}; a success clears its count. Kept in memory:
 * a restart clears the locks. Thread-safe.
 */
final class SignInGuard {
    static final int MAX_FAILURES = 5;
    static final Duration LOCK = Duration.ofMinutes(15);
    /** Beyond this many names tracked, those neither locked nor failed within a lock period are forgotten. */
    private static final int MAX_TRACKED = 100_000;

    private record Failures(int count, Instant last, Optional<Instant> lockedUntil) {
    }

    private final Map<String, Failures> failures = new ConcurrentHashMap<>();
    private final Clock clock;

    SignInGuard(Clock clock) {
        this.clock = clock;
    }

    /** Until when {@code name} is locked, if it is now. */
    Optional<Instant> lockedUntil(String name) {
        Failures found = failures.get(name);
        Instant now = clock.instant();
        return found == null ? Optional.empty() : found.lockedUntil().filter(until -> until.isAfter(now));
    }

    /** Counts a failure; returns the time the name is locked until when this failure locked it. */
    Optional<Instant> failed(String name) {
        Instant now = clock.instant();
        if (failures.size() > MAX_TRACKED) {
            failures.values().removeIf(entry -> entry.last().plus(LOCK).isBefore(now)
                    && entry.lockedUntil().map(until -> until.isBefore(now)).orElse(true));
        }
        Failures updated = failures.compute(name, (key, previous) -> {
            int count = previous == null || previous.lockedUntil().isPresent() ? 1 : previous.count() + 1;
            return count >= MAX_FAILURES ? new Failures(0, now, Optional.of(now.plus(LOCK)))
                    : new Failures(count, now, Optional.empty());
        });
        return updated.lockedUntil();
    }

    void succeeded(String name) {
        failures.remove(name);
    }
}
