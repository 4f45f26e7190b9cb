package cairn.capture;

import cairn.capture.testing.Drain;
import cairn.capture.testing.Poll;
import cairn.model.error.CloudTrailException;
import cairn.server.auth.SigV4Verifier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The sender against a hand-written fake of Cairn's {@code POST /records}. */
final class AuditClientTest {
    private static final Credentials CREDENTIALS = new Credentials("AKIDCAPTURETEST", "capture/secret+key");
    private static final Duration WAIT = Duration.ofSeconds(5);

    @TempDir
    Path spill;

    private FakeCairn fake;
    private final List<AuditClient> clients = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        fake = new FakeCairn();
    }

    @AfterEach
    void stop() {
        fake.release();
        clients.forEach(AuditClient::close);
        fake.close();
    }

    private AuditClient.Builder builder(URI endpoint) {
        return AuditClient.builder(endpoint, CREDENTIALS).spillFolder(spill).shutdownHook(false)
                .maxBackoff(Duration.ofMillis(100));
    }

    private AuditClient open(AuditClient.Builder builder) throws IOException {
        AuditClient client = builder.build();
        clients.add(client);
        return client;
    }

    /** A minimal record Cairn would take, with this eventID, {@code size} bytes long or a little longer. */
    private static byte[] record(String eventId, int size) {
        String head = "{\"eventID\":\"" + eventId + "\",\"eventTime\":\"2026-02-01T10:00:00Z\","
                + "\"eventSource\":\"orders.example.com\",\"eventName\":\"CreateOrder\",\"awsRegion\":\"us-east-1\"";
        String pad = size > head.length() + 12 ? ",\"pad\":\"" + "p".repeat(size - head.length() - 10) + "\"" : "";
        return (head + pad + "}").getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] record(String eventId) {
        return record(eventId, 0);
    }

    private static List<String> ids(int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> "id-" + i).toList();
    }

    /** The lines of every spill file of the folder, oldest file first. */
    private List<String> spilledLines() throws IOException {
        List<String> lines = new ArrayList<>();
        try (Stream<Path> files = Files.list(spill)) {
            for (Path file : files.sorted().toList()) {
                lines.addAll(Files.readAllLines(file));
            }
        }
        return lines;
    }

    private static URI nothingListening() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void send_23RecordsInBatchesOf5_goInFiveRequestsInOrder() throws Exception {
        AuditClient client = open(builder(fake.endpoint()).batch(5, 1 << 20).lingering(Duration.ofMillis(500)));
        for (String id : ids(0, 23)) {
            client.send(record(id));
        }
        Drain.until(client, WAIT, () -> client.sent() == 23);

        List<FakeCairn.Request> requests = fake.requests();
        assertThat(requests).extracting(request -> request.eventIds().size()).containsExactly(5, 5, 5, 5, 3);
        assertThat(fake.eventIds()).containsExactlyElementsOf(ids(0, 23));
        for (FakeCairn.Request request : requests) {
            assertThat(request.method()).isEqualTo("POST");
            assertThat(request.path()).isEqualTo("/records");
            assertThat(request.header("Content-Type")).isEqualTo("application/json");
            assertThat(new String(request.body(), StandardCharsets.UTF_8)).startsWith("{\"Records\":[{\"eventID\":")
                    .endsWith("}]}");
        }
        assertThat(client.sent()).isEqualTo(23);
        assertThat(client.spilled()).isZero();
        assertThat(client.dropped()).isZero();
    }

    /**
     * The byte limit of a batch is "the most bytes one request carries" (Builder.batch); the sender adds records while
     * it is under the limit, so a request goes over it. (Fails: see the report.)
     */
    @Test
    void send_batchBytesLimit_noRequestCarriesMoreRecordBytes() throws Exception {
        AuditClient client = open(builder(fake.endpoint()).batch(100, 1000).lingering(Duration.ofMillis(500)));
        for (String id : ids(0, 10)) {
            client.send(record(id, 300));
        }
        Drain.until(client, WAIT, () -> client.sent() == 10);

        assertThat(fake.eventIds()).containsExactlyElementsOf(ids(0, 10));
        for (FakeCairn.Request request : fake.requests()) {
            int recordBytes = request.body().length - "{\"Records\":[]}".length() - (request.eventIds().size() - 1);
            assertThat(recordBytes).as("record bytes of a request of %d records", request.eventIds().size())
                    .isLessThanOrEqualTo(1000);
        }
    }

    @Test
    void send_signsEveryRequestWithSigV4ForCloudtrail_asCairnVerifiesIt() throws Exception {
        Instant now = Instant.parse("2026-02-01T10:00:00Z");
        AuditClient client = open(builder(fake.endpoint()).region("eu-west-1").clock(Clock.fixed(now,
                ZoneOffset.UTC)));
        client.send(record("id-sig"));
        Drain.until(client, WAIT, () -> client.sent() == 1);

        FakeCairn.Request request = fake.requests().getFirst();
        assertThat(request.header("X-Amz-Date")).isEqualTo("20260201T100000Z");
        assertThat(request.header("X-Amz-Security-Token")).isNull();
        assertThat(request.header("Authorization")).matches("AWS4-HMAC-SHA256 Credential=AKIDCAPTURETEST/20260201/"
                + "eu-west-1/cloudtrail/aws4_request, SignedHeaders=host;x-amz-date, Signature=[0-9a-f]{64}");
        assertThat(verify(request, now, CREDENTIALS.secretAccessKey())).isEqualTo(new SigV4Verifier.Signer(
                "AKIDCAPTURETEST", Optional.empty(), "20260201", "eu-west-1", "cloudtrail"));
        assertThatThrownBy(() -> verify(request, now, "another-secret")).isInstanceOf(CloudTrailException.class);
    }

    @Test
    void send_sessionCredentials_signTheSessionTokenToo() throws Exception {
        Instant now = Instant.parse("2026-02-01T10:00:00Z");
        Credentials session = new Credentials("ASIACAPTURE", "session-secret", Optional.of("token/with+chars="));
        AuditClient client = open(AuditClient.builder(fake.endpoint(), session).spillFolder(spill)
                .shutdownHook(false).clock(Clock.fixed(now, ZoneOffset.UTC)));
        client.send(record("id-session"));
        Drain.until(client, WAIT, () -> client.sent() == 1);

        FakeCairn.Request request = fake.requests().getFirst();
        assertThat(request.header("X-Amz-Security-Token")).isEqualTo("token/with+chars=");
        assertThat(request.header("Authorization")).matches("AWS4-HMAC-SHA256 Credential=ASIACAPTURE/20260201/"
                + "us-east-1/cloudtrail/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, "
                + "Signature=[0-9a-f]{64}");
        assertThat(verify(request, now, "session-secret")).isEqualTo(new SigV4Verifier.Signer("ASIACAPTURE",
                Optional.of("token/with+chars="), "20260201", "us-east-1", "cloudtrail"));
    }

    /**
     * Who signed the request, as Cairn's own SigV4 verifier finds at {@code now}, given {@code secret} as the key's
     * secret; throws CloudTrail's error when the signature does not match.
     */
    private static SigV4Verifier.Signer verify(FakeCairn.Request request, Instant now, String secret) {
        return new SigV4Verifier(Clock.fixed(now, ZoneOffset.UTC), region -> true).verify(
                new SigV4Verifier.Request(request.method(), request.path(), "", request.headers(), request.body()),
                Set.of("cloudtrail"), (accessKeyId, token) -> Optional.of(secret));
    }

    @Test
    void drop_queueFullWhileCairnHangs_dropsAndCountsWhatDoesNotFit() throws Exception {
        AuditClient client = open(builder(fake.endpoint()).overflow(AuditClient.Overflow.DROP).queueCapacity(5)
                .batch(1, 1 << 20).timeout(Duration.ofSeconds(20)));
        Drain.reachable(client, WAIT);
        fake.hang();
        client.send(record("id-0"));
        Poll.until(WAIT, "the first request", () -> fake.requests().size() == 1);
        for (String id : ids(1, 6)) {
            client.send(record(id));
        }
        for (String id : ids(6, 9)) {
            client.send(record(id));
        }
        assertThat(client.dropped()).isEqualTo(3);
        CompletableFuture<Void> confirmed = client.sendAndConfirm(record("id-9"));
        assertThat(confirmed).isCompletedExceptionally();
        assertThatThrownBy(confirmed::get).isInstanceOf(ExecutionException.class)
                .hasRootCauseMessage("the audit queue is full; the record was dropped");
        assertThat(client.dropped()).isEqualTo(4);

        fake.release();
        Drain.until(client, WAIT, () -> client.sent() == 6);
        assertThat(fake.eventIds()).containsExactlyElementsOf(ids(0, 6));
        assertThat(client.sent()).isEqualTo(6);
        assertThat(client.dropped()).isEqualTo(4);
        try (Stream<Path> files = Files.list(spill)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void block_queueFullWhileCairnHangs_makesTheCallerWaitForRoom() throws Exception {
        AuditClient client = open(builder(fake.endpoint()).overflow(AuditClient.Overflow.BLOCK).queueCapacity(2)
                .batch(1, 1 << 20).timeout(Duration.ofSeconds(20)));
        Drain.reachable(client, WAIT);
        fake.hang();
        client.send(record("id-0"));
        Poll.until(WAIT, "the first request", () -> fake.requests().size() == 1);
        client.send(record("id-1"));
        client.send(record("id-2"));
        Thread caller = new Thread(() -> client.send(record("id-3")), "blocked-caller");
        caller.start();
        Poll.until(WAIT, "the caller to wait for room", () -> caller.getState() == Thread.State.WAITING);
        assertThat(caller.isAlive()).isTrue();
        assertThat(fake.requests()).hasSize(1);

        fake.release();
        caller.join(WAIT.toMillis());
        assertThat(caller.isAlive()).isFalse();
        Drain.until(client, WAIT, () -> client.sent() == 4);
        assertThat(fake.eventIds()).containsExactlyElementsOf(ids(0, 4));
        assertThat(client.dropped()).isZero();
    }

    @Test
    void send_cairnRefusesOneRecordAsMalformed_dropsThatOneAndResendsTheOthers() throws Exception {
        fake.answer((index, request) -> index == 0 ? new FakeCairn.Answer(400, "{\"__type\":"
                + "\"InvalidParameterException\",\"message\":\"Record 1: field readOnly must be a boolean (true or "
                + "false), not a string\"}") : FakeCairn.Answer.OK);
        AuditClient client = open(builder(fake.endpoint()).batch(3, 1 << 20).lingering(Duration.ofSeconds(2)));
        for (String id : ids(0, 3)) {
            client.send(record(id));
        }
        Drain.until(client, WAIT, () -> client.sent() == 2);

        assertThat(fake.requests()).extracting(FakeCairn.Request::eventIds)
                .containsExactly(List.of("id-0", "id-1", "id-2"), List.of("id-0", "id-2"));
        assertThat(client.rejected()).isEqualTo(1);
        assertThat(client.sent()).isEqualTo(2);
        assertThat(client.spilled()).isZero();
        assertThat(client.reachable()).isTrue();
    }

    /**
     * A record Cairn refuses is not accepted: whoever waits for its confirmation (a fail-closed filter) must be told.
     * The client drops it, sends the rest, and completes every waiter of the batch normally. (Fails: see the report.)
     */
    @Test
    void sendAndConfirm_recordCairnRefusesAsMalformed_isNotConfirmed() throws Exception {
        fake.answer((index, request) -> index == 0 ? new FakeCairn.Answer(400, "{\"__type\":"
                + "\"InvalidParameterException\",\"message\":\"Record 0: field responseElements must be an object, "
                + "not an array\"}") : FakeCairn.Answer.OK);
        AuditClient client = open(builder(fake.endpoint()));
        // sendAndConfirm fails at once while the client does not know Cairn to be there.
        Drain.reachable(client, WAIT);
        CompletableFuture<Void> confirmed = client.sendAndConfirm(record("id-bad"));
        assertThatThrownBy(() -> confirmed.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
        assertThat(client.rejected()).isEqualTo(1);
        assertThat(client.sent()).isZero();
    }

    @Test
    void send_cairnAnswers500_spillsAndSendsLater() throws Exception {
        fake.answer((index, request) -> index < 2 ? new FakeCairn.Answer(500, "{\"__type\":\"InternalFailure\"}")
                : FakeCairn.Answer.OK);
        AuditClient client = open(builder(fake.endpoint()).batch(10, 1 << 20));
        // sendAndConfirm fails at once while the client does not know Cairn to be there.
        Drain.reachable(client, WAIT);
        CompletableFuture<Void> confirmed = client.sendAndConfirm(record("id-0"));
        assertThatThrownBy(() -> confirmed.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasRootCauseMessage("Cairn did not accept the record");
        // The count moves as the answer arrives; reachable, an instant later.
        Drain.until(client, WAIT, () -> client.sent() == 1 && client.reachable());
        assertThat(client.spilled()).isEqualTo(1);
        assertThat(fake.requests()).extracting(FakeCairn.Request::eventIds)
                .containsExactly(List.of("id-0"), List.of("id-0"), List.of("id-0"));
        assertThat(spilledLines()).isEmpty();
    }

    @Test
    void sendAndConfirm_cairnAccepts_completesOnceItIsAccepted() throws Exception {
        AuditClient client = open(builder(fake.endpoint()));
        // sendAndConfirm fails at once while the client does not know Cairn to be there.
        Drain.reachable(client, WAIT);
        client.sendAndConfirm(record("id-0")).get(5, TimeUnit.SECONDS);
        assertThat(fake.eventIds()).containsExactly("id-0");
        assertThat(client.sent()).isEqualTo(1);
    }

    @Test
    void close_cairnDown_spillsWhatIsQueued_andTheNextClientSendsItOnce() throws Exception {
        AuditClient client = open(builder(nothingListening()).batch(3, 1 << 20));
        for (String id : ids(0, 7)) {
            client.send(record(id));
        }
        client.close();
        assertThat(client.spilled()).isEqualTo(7);
        assertThat(client.sent()).isZero();
        assertThat(spilledLines()).extracting(line -> line.substring(12, line.indexOf('"', 12)))
                .containsExactlyInAnyOrderElementsOf(ids(0, 7));
        // A record sent after close (a call finishing during shutdown) is spilled too, not lost.
        client.send(record("id-late"));
        assertThat(client.spilled()).isEqualTo(8);

        AuditClient next = open(builder(fake.endpoint()));
        Drain.until(next, WAIT, () -> next.sent() == 8);
        List<String> expected = new java.util.ArrayList<>(ids(0, 7));
        expected.add("id-late");
        assertThat(fake.eventIds()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(spilledLines()).isEmpty();
    }

    /**
     * close() gives the sender twice the request timeout (plus a second) and then interrupts it: the batch it was
     * sending then must still be spilled, not lost. (Fails: see the report.)
     */
    @Test
    void close_whileCairnHangs_spillsEveryRecordItCouldNotSend() throws Exception {
        AuditClient client = open(builder(fake.endpoint()).batch(1, 1 << 20).timeout(Duration.ofMillis(300)));
        Drain.reachable(client, WAIT);
        fake.hang();
        for (String id : ids(0, 10)) {
            client.send(record(id));
        }
        Poll.until(WAIT, "the first request", () -> !fake.requests().isEmpty());
        client.close();

        assertThat(client.sent()).isZero();
        assertThat(spilledLines()).as("spilled records").hasSize(10);
        assertThat(client.spilled() + client.dropped()).isEqualTo(10);
    }

    /**
     * flush() answers true once nothing is queued, in flight, stalled or spilled: with nothing to send, at once. (Before
     * commit 1bdc2f1 the sender counted itself "in flight" while it merely waited for a record, so flush() saw it idle
     * only by chance and answered false, or true after seconds; this failed then.)
     */
    @Test
    void flush_everythingAlreadySent_answersTrueAtOnce() throws Exception {
        AuditClient client = open(builder(fake.endpoint()));
        // sendAndConfirm fails at once while the client does not know Cairn to be there.
        Drain.reachable(client, WAIT);
        int answeredTrue = 0;
        for (int round = 0; round < 3; round++) {
            client.sendAndConfirm(record("id-" + round)).get(5, TimeUnit.SECONDS);
            for (int i = 0; i < 20; i++) {
                answeredTrue += client.flush(Duration.ofMillis(20)) ? 1 : 0;
            }
        }
        assertThat(client.sent()).isEqualTo(3);
        assertThat(answeredTrue).as("flushes (of 20 ms, with nothing to send) that answered true, of 60")
                .isEqualTo(60);
    }
}
