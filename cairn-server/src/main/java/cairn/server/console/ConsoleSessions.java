package cairn.server.console;

import cairn.server.identity.Caller;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import static java.util.Objects.requireNonNull;

/**
 * The console's signed-in sessions, in memory (a restart signs everybody out): each has a random ID (the cookie), a
 * random CSRF token, the caller it acts as, and ends {@link #LIFETIME} after sign-in or {@link #IDLE} after its last
 * request. Thread-safe.
 */
final class ConsoleSessions {
    static final Duration LIFETIME = Duration.ofHours(12);
    static final Duration IDLE = Duration.ofHours(1);
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * A session; {@code caller} holds the console's own temporary key for it, {@code passwordStamp} the stamp of the
     * password it was opened with (it lives only while that is the user's password).
     */
    record Session(String id, String csrfToken, Caller caller, String region, Instant created,
                   java.util.concurrent.atomic.AtomicReference<Instant> lastSeen,
                   java.util.concurrent.atomic.AtomicReference<String> passwordStamp) {
        Session {
            requireNonNull(id, "id is null");
            requireNonNull(csrfToken, "csrfToken is null");
            requireNonNull(caller, "caller is null");
            requireNonNull(region, "region is null");
            requireNonNull(created, "created is null");
            requireNonNull(lastSeen, "lastSeen is null");
            requireNonNull(passwordStamp, "passwordStamp is null");
        }

        Instant expires() {
            Instant idle = lastSeen.get().plus(IDLE);
            Instant end = created.plus(LIFETIME);
            return idle.isBefore(end) ? idle : end;
        }

        @Override
        public String toString() {
            return "Session[" + caller.arn() + " since " + created + "]";
        }
    }

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Clock clock;

    ConsoleSessions(Clock clock) {
        this.clock = requireNonNull(clock, "clock is null");
    }

    Session open(Caller caller, String region, String passwordStamp) {
        Instant now = clock.instant();
        sessions.values().removeIf(session -> !session.expires().isAfter(now));
        Session session = new Session(token(), token(), caller, region, now,
                new java.util.concurrent.atomic.AtomicReference<>(now),
                new java.util.concurrent.atomic.AtomicReference<>(passwordStamp));
        sessions.put(session.id(), session);
        return session;
    }

    /** The live session of this ID, its last request now; an expired one is ended. */
    Optional<Session> find(String id) {
        Session session = sessions.get(id);
        if (session == null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        if (!session.expires().isAfter(now)) {
            sessions.remove(id);
            return Optional.empty();
        }
        session.lastSeen().set(now);
        return Optional.of(session);
    }

    void close(String id) {
        sessions.remove(id);
    }

    /** Ends every session of a principal but {@code keep}. */
    void closeAllOf(String principalId, String keep) {
        sessions.values().removeIf(session -> session.caller().principal().id().equals(principalId)
                && !session.id().equals(keep));
    }

    /** The live session of this ID without counting a request (a stream's checks do not keep it alive). */
    Optional<Session> peek(String id) {
        Session session = sessions.get(id);
        return session != null && session.expires().isAfter(clock.instant()) ? Optional.of(session)
                : Optional.empty();
    }

    /** 32 random bytes, base64url. */
    static String token() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
