package cairn.server;

import cairn.server.testing.MutableClock;
import cairn.server.testing.RunningCairn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A port already taken stops the start with a message naming it, and leaves the data folder free. */
final class PortInUseTest {
    @TempDir
    Path data;

    @Test
    void start_consolePortTaken_failsClearlyAndReleasesEverything() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            assertThatThrownBy(() -> RunningCairn.start(data, new MutableClock(Instant.now()), Map.of(
                    "console.enabled", "true", "console.port", String.valueOf(port))))
                    .isInstanceOf(IOException.class)
                    .hasMessage("The console could not listen on 127.0.0.1:" + port + " (is the port in use? set "
                            + "console.port, or console.enabled = false)");
        }
        try (RunningCairn again = RunningCairn.start(data, new MutableClock(Instant.now()), Map.of())) {
            assertThat(again.cloudTrail("ListTrails", "{}", "us-east-1").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void start_apiPortTaken_failsClearly() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            assertThatThrownBy(() -> RunningCairn.start(data, new MutableClock(Instant.now()), Map.of(
                    "server.port", String.valueOf(port))))
                    .isInstanceOf(IOException.class)
                    .hasMessage("The API could not listen on 127.0.0.1:" + port + " (is the port in use? set "
                            + "server.port)");
        }
    }
}
