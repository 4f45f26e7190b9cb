package cairn.capture.testing;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Waits for an asynchronous outcome by polling, never longer than a bound. */
public final class Poll {
    private Poll() {
    }

    /** Waits, polling every 5 ms, up to {@code timeout} for {@code condition}; fails the test when it does not come. */
    public static void until(Duration timeout, String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            TimeUnit.MILLISECONDS.sleep(5);
        }
    }
}
