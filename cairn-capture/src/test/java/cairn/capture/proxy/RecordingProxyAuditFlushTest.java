package cairn.capture.proxy;

import cairn.capture.AuditClient;
import cairn.capture.Credentials;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The proxy's tests (and its users, before they stop it or read the history) rely on {@link AuditClient#flush}: "false
 * when something is still unsent". With nothing ever queued, nothing is unsent, so every flush must say true, at once.
 */
final class RecordingProxyAuditFlushTest {
    @Test
    void flush_nothingQueued_isTrueAtOnce() throws Exception {
        try (AuditClient client = AuditClient.builder(URI.create("http://127.0.0.1:" + Moto.freePort()),
                        new Credentials("AKIAFLUSHTEST", "secret")).overflow(AuditClient.Overflow.DROP)
                .shutdownHook(false).build()) {
            Thread.sleep(100);
            List<Long> falseAfterMillis = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                long start = System.nanoTime();
                if (!client.flush(Duration.ofMillis(300))) {
                    falseAfterMillis.add((System.nanoTime() - start) / 1_000_000);
                }
            }

            assertThat(client.sent() + client.dropped() + client.spilled()).isZero();
            assertThat(falseAfterMillis).as("flushes of an idle client that said false (after ms)").isEmpty();
        }
    }
}
