package cairn.capture.proxy;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SigV4 signs the {@code Host} header, so the proxy passes the client's on when the JDK lets it
 * ({@code jdk.httpclient.allowRestrictedHeaders=host}), and otherwise lets the JDK name the upstream. The JDK reads the
 * property once per JVM, so each case runs in a JVM of its own ({@link HostHeaderProbe}): the property never set, set
 * first (as the {@code cairn} command does), and set after the JDK's HTTP client was already used.
 */
final class RecordingProxyHostHeaderTest {
    /** The probe's output by case: its STATUS and BODY lines. */
    private static final Map<String, Map<String, String>> ANSWERS = new ConcurrentHashMap<>();

    @BeforeAll
    static void runTheProbes() {
        CompletableFuture.allOf(List.of("never", "first", "late").stream()
                .map(when -> CompletableFuture.runAsync(() -> ANSWERS.put(when, probe(when))))
                .toArray(CompletableFuture[]::new)).join();
    }

    private static Map<String, String> probe(String when) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        try {
            Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    HostHeaderProbe.class.getName(), when).redirectErrorStream(true).start();
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            Map<String, String> lines = new java.util.HashMap<>();
            lines.put("output", output);
            for (String line : output.split("\n")) {
                int colon = line.indexOf(':');
                if (line.startsWith("STATUS:") || line.startsWith("BODY:")) {
                    lines.put(line.substring(0, colon), line.substring(colon + 1).trim());
                }
            }
            return lines;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void propertyNeverSet_theUpstreamGetsItsOwnHost() {
        Map<String, String> answer = ANSWERS.get("never");
        assertThat(answer.get("STATUS")).as(answer.get("output")).isEqualTo("HTTP/1.1 200 OK");
        assertThat(answer.get("BODY")).as(answer.get("output")).startsWith("127.0.0.1:");
    }

    @Test
    void propertySetFirst_theUpstreamGetsTheClientsHost() {
        Map<String, String> answer = ANSWERS.get("first");
        assertThat(answer.get("STATUS")).as(answer.get("output")).isEqualTo("HTTP/1.1 200 OK");
        assertThat(answer.get("BODY")).as(answer.get("output")).isEqualTo(HostHeaderProbe.HOST);
    }

    /**
     * Set after the JDK read it, the property no longer makes the JDK allow {@code Host}; the proxy must still
     * forward the call (with the upstream's own Host), not drop it.
     */
    @Test
    void propertySetAfterTheJdkClientWasUsed_callsAreStillForwarded() {
        Map<String, String> answer = ANSWERS.get("late");
        assertThat(answer.get("STATUS")).as(answer.get("output")).isEqualTo("HTTP/1.1 200 OK");
    }
}
