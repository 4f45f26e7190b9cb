package cairn.capture.testing;

import cairn.capture.AuditClient;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Flushes a client until what the test expects has been sent. {@link AuditClient#flush(Duration)} is the trigger (it
 * ends any backoff and makes the sender go at once); the test's own condition is checked as well, so that the tests
 * wait for what they assert rather than for flush's bookkeeping (which raced before commit 1bdc2f1, see
 * {@code AuditClientTest.flush_everythingAlreadySent_answersTrueAtOnce}). Normally the first flush answers.
 */
public final class Drain {
    private Drain() {
    }

    /** Flushes until flush answers true or {@code sent} holds; fails after {@code timeout}. */
    public static void until(AuditClient client, Duration timeout, BooleanSupplier sent) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (client.flush(Duration.ofMillis(100)) || sent.getAsBoolean()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the audit client did not send what was expected within " + timeout
                        + " (sent " + client.sent() + ", spilled " + client.spilled() + ", reachable "
                        + client.reachable() + ")");
            }
        }
    }

    /** Flushes until flush answers true or {@code done} holds; false when neither comes within {@code timeout}. */
    public static boolean tryUntil(AuditClient client, Duration timeout, BooleanSupplier done)
            throws InterruptedException {
        try {
            until(client, timeout, done);
            return true;
        } catch (AssertionError e) {
            return false;
        }
    }

    /**
     * Waits until the client has reached Cairn (a send, or its start-up check), flushing meanwhile so that no backoff
     * delays the next try; fails after {@code timeout}.
     */
    public static void reachable(AuditClient client, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!client.reachable()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the audit client did not reach Cairn within " + timeout);
            }
            client.flush(Duration.ofMillis(20));
        }
    }

    /** Flushes until the client has sent {@code records} records in all. */
    public static void sent(AuditClient client, long records) throws InterruptedException {
        until(client, Duration.ofSeconds(10), () -> client.sent() >= records);
    }
}
