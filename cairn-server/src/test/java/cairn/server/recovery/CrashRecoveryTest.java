package cairn.server.recovery;

import cairn.server.audit.SelfAudit;
import cairn.server.http.ApiRoutes;
import cairn.server.testing.TestSigning;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kills a real Cairn process with SIGKILL while several clients ingest, restarts it on the same data folder, and
 * finds every acknowledged event; then tears the tail of the log by hand and checks that the store reopens.
 */
final class CrashRecoveryTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String REGION = "eu-central-1";
    private static final int CLIENTS = 4;
    private static final int BATCH = 25;

    @TempDir
    Path data;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void sigkillDuringIngest_everyAcknowledgedEventSurvives_andATornTailIsCut() throws Exception {
        int port = freePort();
        Server first = Server.start(data, port);
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch enough = new CountDownLatch(1);
        List<Thread> clients = new ArrayList<>();
        for (int client = 0; client < CLIENTS; client++) {
            int id = client;
            clients.add(Thread.ofPlatform().start(() -> ingestUntilStopped(port, id, acknowledged, stop, enough)));
        }
        assertThat(enough.await(60, TimeUnit.SECONDS)).as("clients acknowledged 2000 events").isTrue();
        first.kill();
        stop.set(true);
        for (Thread client : clients) {
            client.join(30_000);
        }
        assertThat(acknowledged.size()).isGreaterThanOrEqualTo(2000);

        Server second = Server.start(data, port);
        Set<String> found = allEventIds(port);
        assertThat(found).containsAll(acknowledged);
        assertThat(eventIdLookup(port, acknowledged.iterator().next())).isEqualTo(1);
        second.kill();

        Path log = newestSegment();
        long before = Files.size(log);
        byte[] tornFrame = {0, 0, 4, 0, 1, 2, 3, 4, 1, 0, 0, 0};
        Files.write(log, tornFrame, StandardOpenOption.APPEND);
        Server third = Server.start(data, port);
        assertThat(third.output()).anySatisfy(line -> assertThat(line)
                .contains("cut a torn tail of " + tornFrame.length + " byte(s)"));
        assertThat(third.output()).anySatisfy(line -> assertThat(line).startsWith("Recovery: " + log.getFileName()
                + ": cut " + tornFrame.length + " byte(s) after position " + before));
        assertThat(Files.size(log)).isEqualTo(before);
        assertThat(allEventIds(port)).containsAll(acknowledged).hasSize(found.size());
        HttpResponse<String> more = post(port, batch("after-recovery", 3));
        assertThat(more.statusCode()).isEqualTo(200);
        assertThat(allEventIds(port)).hasSize(found.size() + 3);
        third.kill();
    }

    private void ingestUntilStopped(int port, int client, Set<String> acknowledged, AtomicBoolean stop,
                                    CountDownLatch enough) {
        for (int batch = 0; !stop.get() && batch < 10_000; batch++) {
            String prefix = "c" + client + "-b" + batch;
            try {
                HttpResponse<String> response = post(port, batch(prefix, BATCH));
                if (response.statusCode() == 200) {
                    JsonNode ids = MAPPER.readTree(response.body()).get("eventIDs");
                    ids.forEach(id -> acknowledged.add(id.asText()));
                    if (acknowledged.size() >= 2000) {
                        enough.countDown();
                    }
                }
            } catch (IOException | InterruptedException e) {
                return;
            }
        }
    }

    private static String batch(String prefix, int count) {
        StringBuilder body = new StringBuilder("{\"Records\":[");
        for (int i = 0; i < count; i++) {
            body.append(i == 0 ? "" : ",").append("{\"eventVersion\":\"1.08\",\"eventID\":\"").append(prefix)
                    .append("-").append(i).append("\",\"eventTime\":\"2026-01-01T00:00:").append(String.format("%02d", i % 60))
                    .append("Z\",\"eventSource\":\"ec2.amazonaws.com\",\"eventName\":\"RunInstances\",\"awsRegion\":\"")
                    .append(REGION).append("\",\"userIdentity\":{\"type\":\"IAMUser\",\"userName\":\"crash\"},"
                            + "\"requestParameters\":{\"padding\":\"").append("p".repeat(600)).append("\"}}");
        }
        return body.append("]}").toString();
    }

    private HttpResponse<String> post(int port, String body) throws IOException, InterruptedException {
        return http.send(TestSigning.post(URI.create("http://127.0.0.1:" + port + "/records"), "application/json",
                Optional.empty(), body.getBytes(StandardCharsets.UTF_8), "cloudtrail", REGION, administrator(),
                Clock.systemUTC(), Optional.empty()).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The administrator's key, as the child process wrote it at first start. */
    private AwsCredentialsIdentity administrator() throws IOException {
        Properties credentials = new Properties();
        try (var reader = Files.newBufferedReader(data.resolve("installation/credentials"))) {
            credentials.load(reader);
        }
        return AwsCredentialsIdentity.create(credentials.getProperty("aws_access_key_id"),
                credentials.getProperty("aws_secret_access_key"));
    }

    private Set<String> allEventIds(int port) throws Exception {
        Set<String> ids = new HashSet<>();
        String token = null;
        do {
            String body = "{\"MaxResults\":50" + (token == null ? "" : ",\"NextToken\":\"" + token + "\"") + "}";
            JsonNode page = lookup(port, body);
            for (JsonNode event : page.get("Events")) {
                if (!event.get("EventSource").asText().equals(SelfAudit.EVENT_SOURCE)) {
                    assertThat(ids.add(event.get("EventId").asText())).isTrue();
                }
            }
            token = page.has("NextToken") ? page.get("NextToken").asText() : null;
        } while (token != null);
        return ids;
    }

    private int eventIdLookup(int port, String eventId) throws Exception {
        return lookup(port, "{\"LookupAttributes\":[{\"AttributeKey\":\"EventId\",\"AttributeValue\":\"" + eventId
                + "\"}]}").get("Events").size();
    }

    private JsonNode lookup(int port, String body) throws Exception {
        HttpResponse<String> response = http.send(TestSigning.post(URI.create("http://127.0.0.1:" + port + "/"),
                "application/x-amz-json-1.1", Optional.of(ApiRoutes.TARGET_PREFIX + "LookupEvents"),
                body.getBytes(StandardCharsets.UTF_8), "cloudtrail", REGION, administrator(), Clock.systemUTC(),
                Optional.empty()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return MAPPER.readTree(response.body());
    }

    private Path newestSegment() throws IOException {
        try (Stream<Path> files = Files.list(data.resolve("log"))) {
            return files.filter(file -> file.toString().endsWith(".log")).max(Path::compareTo).orElseThrow();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** A Cairn server in its own JVM, as `cairn serve` runs it. */
    private record Server(Process process, List<String> output) {
        static Server start(Path data, int port) throws Exception {
            String java = ProcessHandle.current().info().command().orElse("java");
            Process process = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                    "cairn.server.Main", "--data", data.toString(), "--port", String.valueOf(port),
                    "--set", "history.retention=3650d", "--set", "server.regions=eu-central-1",
                    // the API keeps one port across restarts; the console's (that port plus one) may be taken
                    "--set", "console.enabled=false")
                    .redirectErrorStream(true).start();
            List<String> output = new ArrayList<>();
            BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            String line;
            while ((line = reader.readLine()) != null) {
                output.add(line);
                if (line.startsWith("Try:")) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    break;
                }
            }
            assertThat(output).as("server output").anySatisfy(text -> assertThat(text).startsWith("Cairn is listening"));
            Thread.ofPlatform().daemon().start(() -> reader.lines().forEach(ignored -> { }));
            return new Server(process, output);
        }

        /** SIGKILL: no shutdown hook, no flush, no close. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }
}
