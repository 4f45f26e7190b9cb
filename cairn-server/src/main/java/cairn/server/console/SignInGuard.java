package cairn.server.console;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Limits on sign-in attempts, counted before a password is checked so that attempts made in parallel count too:
 * <ul>
 * <li>a user name (one that exists or not, so that a lock tells nothing) is locked for {@link #LOCK} after
 * {@value #MAX_FAILURES} attempts without a success; a success clears its count;</li>
 * <li>an attempt from a browser that signed in as the user before (a valid {@link DeviceCookies device cookie}) counts
 * against that device instead, so that failing on purpose locks out only unknown browsers and the user still gets in;
 * a device locked in turn is treated as unknown;</li>
 * <li>one network address (an IPv6 one by its /64 network) makes at most {@value #MAX_PER_ADDRESS} attempts a
 * minute, whatever the names, so that nobody can try one password on many names quickly, or fill this guard with
 * names; attempts with a valid device cookie are not limited so, nor refused while the guard is full;</li>
 * <li>at most {@value #MAX_TRACKED} names, devices and addresses are tracked; those idle for a lock period are swept
 * out (at most once a second), and while it stays full, attempts for ones not tracked are refused as busy rather than
 * counted nowhere.</li>
 * </ul>
 * Kept in memory: a restart clears the locks. Thread-safe.
 */
final class SignInGuard {
    static final int MAX_FAILURES = 5;
    static final Duration LOCK = Duration.ofMinutes(15);
    static final int MAX_PER_ADDRESS = 30;
    /** While a name is locked, a refused attempt is recorded at most this often. */
    static final Duration RECORD_LOCKED_EVERY = Duration.ofMinutes(1);
    static final int MAX_TRACKED = 200_000;
    private static final Duration SWEEP_EVERY = Duration.ofSeconds(1);

    /** Attempts without success of a name or device since its count began. */
    private record Attempts(int count, Instant last, Optional<Instant> lockedUntil, Optional<Instant> recorded) {
    }

    /** Attempts from an address in the minute beginning at {@code minute} (epoch seconds). */
    private record Window(long minute, int count, boolean recorded) {
    }

    /** What became of an attempt. */
    enum Outcome {
        /** It may go on to the password check. */
        GO,
        /** Its name (or its device, then its name) is locked until {@link Verdict#until}. */
        LOCKED,
        /** Its address made too many attempts this minute; it may try again at {@link Verdict#until}. */
        THROTTLED,
        /** So many names and addresses are tracked that this one is not: refused, to try again later. */
        FULL
    }

    /**
     * What an attempt may do; {@code key} is what it was counted against, {@code record} whether a refused one is to
     * be recorded (the first refusal in each {@link #RECORD_LOCKED_EVERY}, or each minute from an address).
     */
    record Verdict(String key, Outcome outcome, Optional<Instant> until, boolean record) {
        boolean allowed() {
            return outcome == Outcome.GO;
        }
    }

    private final Map<String, Attempts> attempts = new ConcurrentHashMap<>();
    private final Map<String, Window> addresses = new ConcurrentHashMap<>();
    private final Clock clock;
    private volatile Instant lastSweep = Instant.MIN;

    SignInGuard(Clock clock) {
        this.clock = clock;
    }

    /**
     * Counts an attempt from {@code address} for {@code name} from a browser with the device nonce {@code device}
     * (empty: an unknown browser), against the device while it is not locked itself, else against the name.
     */
    Verdict attempt(String address, String name, Optional<String> device) {
        Instant now = clock.instant();
        if (device.isPresent() && !locked(attempts.get("device " + device.get()), now)) {
            // Nonces are given only to browsers that signed in, each limited on its own: neither a flood from its
            // address (a proxy's, maybe) nor a full guard keeps it out.
            return count("device " + device.get(), now);
        }
        String key = "name " + name;
        address = group(address);
        if (full(now) && (!addresses.containsKey(address) || !attempts.containsKey(key))) {
            return new Verdict(key, Outcome.FULL, Optional.empty(), false);
        }
        long minute = now.getEpochSecond() / 60 * 60;
        boolean[] record = {false};
        Window window = addresses.merge(address, new Window(minute, 1, false), (previous, fresh) -> {
            if (previous.minute() != minute) {
                return fresh;
            }
            boolean first = previous.count() >= MAX_PER_ADDRESS && !previous.recorded();
            record[0] = first;
            return new Window(minute, Math.min(previous.count() + 1, MAX_PER_ADDRESS + 1),
                    previous.recorded() || first);
        });
        if (window.count() > MAX_PER_ADDRESS) {
            return new Verdict(key, Outcome.THROTTLED, Optional.of(Instant.ofEpochSecond(minute + 60)), record[0]);
        }
        return count(key, now);
    }

    /** The address attempts are counted under: an IPv4 address, or the /64 network of an IPv6 one. */
    static String group(String address) {
        if (!address.contains(":")) {
            return address;
        }
        try {
            byte[] bytes = java.net.InetAddress.getByName(address.startsWith("[") ? address.substring(1,
                    address.length() - 1) : address).getAddress();
            if (bytes.length != 16) {
                return address;
            }
            return java.util.HexFormat.of().formatHex(bytes, 0, 8) + "::/64";
        } catch (java.net.UnknownHostException e) {
            return address;
        }
    }

    private static boolean locked(Attempts attempts, Instant now) {
        return attempts != null && attempts.lockedUntil().filter(until -> until.isAfter(now)).isPresent();
    }

    private Verdict count(String key, Instant now) {
        boolean[] record = {false};
        Attempts updated = attempts.compute(key, (ignored, previous) -> {
            if (locked(previous, now)) {
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
        return updated.lockedUntil().isEmpty() ? new Verdict(key, Outcome.GO, Optional.empty(), true)
                : new Verdict(key, Outcome.LOCKED, updated.lockedUntil(), record[0]);
    }

    /** Whether the guard is full, after sweeping out what has been idle for a lock period if it was not lately. */
    private boolean full(Instant now) {
        if (attempts.size() + addresses.size() < MAX_TRACKED) {
            return false;
        }
        if (lastSweep.plus(SWEEP_EVERY).isBefore(now)) {
            synchronized (this) {
                if (lastSweep.plus(SWEEP_EVERY).isBefore(now)) {
                    lastSweep = now;
                    attempts.values().removeIf(entry -> entry.last().plus(LOCK).isBefore(now) && !locked(entry, now));
                    long minute = now.getEpochSecond() / 60 * 60;
                    addresses.values().removeIf(window -> window.minute() != minute);
                }
            }
        }
        return attempts.size() + addresses.size() >= MAX_TRACKED;
    }

    /** The attempt succeeded: the count it was made against (the name's or the device's) starts again. */
    void succeeded(Verdict verdict) {
        attempts.remove(verdict.key());
    }
}
