package cairn.capture.servlet;

import cairn.capture.AuditClient;
import cairn.capture.Mode;
import cairn.capture.testing.Drain;
import cairn.capture.testing.LocalCairn;
import cairn.capture.testing.Poll;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cairn goes away while the sample service runs (fail-open, spilling): the service keeps serving, and every call's
 * record reaches Cairn exactly once when it is back, also when the service restarts in between, and also when a spill
 * file is sent twice.
 */
final class CairnDownTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path data;
    @TempDir
    Path spill;
    @TempDir
    Path work;

    private LocalCairn cairn;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        cairn = LocalCairn.start(data);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable closeable : open.reversed()) {
            closeable.close();
        }
        cairn.close();
    }

    private AuditClient client() throws IOException {
        AuditClient client = AuditClient.builder(cairn.endpoint(), cairn.writer()).spillFolder(spill)
                .shutdownHook(false).clock(cairn.clock()).timeout(Duration.ofSeconds(2))
                .maxBackoff(Duration.ofMillis(200)).build();
        open.add(client);
        return client;
    }

    private SampleService service(AuditClient client, String name) throws Exception {
        SampleService service = new SampleService(Files.createDirectories(work.resolve(name)),
                new AuditFilter(AuditFilterTest.recorder(), client, Mode.FAIL_OPEN, Duration.ofSeconds(5),
                        cairn.clock()));
        open.add(service);
        return service;
    }

    private static HttpResponse<String> createUser(SampleService service, String name) throws Exception {
        HttpResponse<String> response = service.send(service.request("/users")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + name + "\",\"password\":\"pw\"}")));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        assertThat(JSON.readTree(response.body()).get("name").asText()).isEqualTo(name);
        return response;
    }

    private List<Path> spillFiles() throws IOException {
        try (Stream<Path> files = Files.list(spill)) {
            return files.sorted().toList();
        }
    }

    private boolean spillEmpty() {
        try {
            return spillFiles().isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private long spilledRecords() throws IOException {
        long lines = 0;
        for (Path file : spillFiles()) {
            lines += Files.readAllLines(file).size();
        }
        return lines;
    }

    /** The CreateUser events of the service, by the user name they created, counted. */
    private Map<String, Long> createdUsers() {
        return cairn.records(AuditFilterTest.SOURCE).stream()
                .filter(record -> record.get("eventName").asText().equals("CreateUser"))
                .collect(Collectors.groupingBy(record -> record.get("requestParameters").get("name").asText(),
                        TreeMap::new, Collectors.counting()));
    }

    private List<String> eventIds() {
        return cairn.records(AuditFilterTest.SOURCE).stream().map(record -> record.get("eventID").asText()).toList();
    }

    private static Map<String, Long> once(String... names) {
        return Stream.of(names).collect(Collectors.toMap(Function.identity(), name -> 1L, (a, b) -> a,
                TreeMap::new));
    }

    @Test
    void cairnDown_serviceKeepsServing_andEveryCallArrivesOnceWhenCairnIsBack() throws Exception {
        AuditClient client = client();
        SampleService service = service(client, "service");
        createUser(service, "before-0");
        createUser(service, "before-1");
        Drain.sent(client, 2);

        cairn.stop();
        for (int i = 0; i < 5; i++) {
            createUser(service, "down-" + i);
            HttpResponse<String> got = service.send(service.request("/users/" + i).GET());
            assertThat(got.statusCode()).isEqualTo(200);
            assertThat(got.body()).isEqualTo("{\"id\":\"" + i + "\",\"name\":\"user-" + i + " \u00e9\"}");
        }
        assertThat(service.invocations()).isEqualTo(12);
        Poll.until(Duration.ofSeconds(5), "the client to spill", () -> client.spilled() > 0);
        assertThat(client.reachable()).isFalse();
        assertThat(client.flush(Duration.ofMillis(300))).as("flush while Cairn is down").isFalse();
        assertThat(spillFiles()).isNotEmpty();

        cairn.restart();
        Drain.sent(client, 12);
        Poll.until(Duration.ofSeconds(5), "the spill files to be deleted", this::spillEmpty);

        assertThat(createdUsers()).isEqualTo(once("before-0", "before-1", "down-0", "down-1", "down-2", "down-3",
                "down-4"));
        assertThat(cairn.records(AuditFilterTest.SOURCE)).extracting(record -> record.get("eventName").asText())
                .filteredOn("GetUser"::equals).hasSize(5);
        assertThat(eventIds()).hasSize(12).doesNotHaveDuplicates();
        assertThat(client.reachable()).isTrue();
    }

    @Test
    void serviceRestartsWhileCairnIsDown_theNextClientSendsWhatWasSpilledOnce_evenWhenAFileIsSentTwice()
            throws Exception {
        AuditClient first = client();
        SampleService service = service(first, "first");
        cairn.stop();
        for (int i = 0; i < 4; i++) {
            createUser(service, "restart-" + i);
        }
        // The service stops: what the client could not send is on disk.
        service.close();
        first.close();
        assertThat(first.sent()).isZero();
        assertThat(spilledRecords()).isEqualTo(4);
        Path kept = Files.createDirectories(work.resolve("kept"));
        List<String> spilledIds = new ArrayList<>();
        for (Path file : spillFiles()) {
            Files.copy(file, kept.resolve(file.getFileName()));
            for (String line : Files.readAllLines(file)) {
                spilledIds.add(JSON.readTree(line).get("eventID").asText());
            }
        }

        // Cairn and the service start again: a new client on the same folder sends the records.
        cairn.restart();
        AuditClient second = client();
        SampleService restarted = service(second, "second");
        Drain.until(second, Duration.ofSeconds(10), () -> second.sent() >= 4);
        Poll.until(Duration.ofSeconds(5), "the spill files to be deleted", this::spillEmpty);
        assertThat(createdUsers()).isEqualTo(once("restart-0", "restart-1", "restart-2", "restart-3"));
        assertThat(eventIds()).containsExactlyInAnyOrderElementsOf(spilledIds);
        createUser(restarted, "after-restart");
        Drain.sent(second, 5);
        restarted.close();
        second.close();

        // A crash between sending a file and deleting it: the same file is sent again by the next client.
        try (Stream<Path> files = Files.list(kept)) {
            for (Path file : files.toList()) {
                Files.copy(file, spill.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        AuditClient third = client();
        Drain.until(third, Duration.ofSeconds(10), () -> third.sent() >= 4);
        assertThat(spillFiles()).isEmpty();
        assertThat(createdUsers()).as("after the spill file was sent a second time (needs Cairn's dedupe by eventID)")
                .isEqualTo(once("after-restart", "restart-0", "restart-1", "restart-2", "restart-3"));
        assertThat(eventIds()).hasSize(5).doesNotHaveDuplicates();
    }
}
