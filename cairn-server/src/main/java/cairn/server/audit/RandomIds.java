package cairn.server.audit;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Random version-4 UUIDs for request IDs and audit event IDs: unique, not secret, so they come from
 * {@link ThreadLocalRandom} rather than the shared, locked {@code SecureRandom} of {@link UUID#randomUUID()}.
 */
public final class RandomIds {
    private RandomIds() {
    }

    public static String next() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = (random.nextLong() & ~0xF000L) | 0x4000L;
        long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(high, low).toString();
    }
}
