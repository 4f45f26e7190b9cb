package cairn.server.ingest;

import cairn.server.audit.SelfAudit;
import cairn.server.http.ApiRoutes;
import cairn.server.identity.PermissionSet;
import cairn.server.testing.MutableClock;
import cairn.server.testing.RunningCairn;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The native batch endpoint is idempotent by event ID: a record that carries its own {@code eventID} is stored once
 * per account and region, however often and however concurrently it is sent; records without one are never merged.
 */
final class IngestDeduplicationTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String REGION = "us-east-2";
    private static final String SOURCE = "iam.amazonaws.com";
    private static final Instant NOW = Instant.parse("2026-02-02T00:00:00Z");

    @TempDir
    Path data;

    private RunningCairn cairn;

    @BeforeEach
    void start() throws Exception {
        cairn = RunningCairn.start(data, new MutableClock(NOW), Map.of());
    }

    @AfterEach
    void stop() throws Exception {
        cairn.close();
    }

    /** A record with its own event ID ({@code null}: without), in {@code region}. */
    private static String record(String eventId, String eventName, String region) {
        return "{" + (eventId == null ? "" : "\"eventID\":\"" + eventId + "\",")
                + "\"eventVersion\":\"1.08\",\"eventTime\":\"2026-02-01T10:00:00Z\",\"eventSource\":\"" + SOURCE
                + "\",\"eventName\":\"" + eventName + "\",\"awsRegion\":\"" + region + "\",\"eventType\":"
                + "\"AwsApiCall\",\"userIdentity\":{\"type\":\"IAMUser\",\"userName\":\"bob\"}}";
    }

    private static String record(String eventId) {
        return record(eventId, "CreateUser", REGION);
    }

    private static byte[] batch(List<String> records) {
        return ("{\"Records\":[" + String.join(",", records) + "]}").getBytes(StandardCharsets.UTF_8);
    }

    private JsonNode post(List<String> records) throws Exception {
        return answer(cairn.postRecords(batch(records), REGION));
    }

    private static JsonNode answer(HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return MAPPER.readTree(response.body());
    }

    private static List<String> eventIds(JsonNode answer) {
        List<String> ids = new ArrayList<>();
        answer.get("eventIDs").forEach(id -> ids.add(id.asText()));
        return ids;
    }

    /** Every event of the records' source in {@code region}, page after page, as event ID to count. */
    private Map<String, Integer> stored(String region) throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        String token = null;
        do {
            ObjectNode request = MAPPER.createObjectNode();
            request.putArray("LookupAttributes").addObject().put("AttributeKey", "EventSource")
                    .put("AttributeValue", SOURCE);
            if (token != null) {
                request.put("NextToken", token);
            }
            JsonNode page = answer(cairn.cloudTrail("LookupEvents", request.toString(), region));
            for (JsonNode event : page.get("Events")) {
                counts.merge(event.get("EventId").asText(), 1, Integer::sum);
            }
            token = page.hasNonNull("NextToken") ? page.get("NextToken").asText() : null;
        } while (token != null);
        return counts;
    }

    /** The audit event of the call that answered {@code response}. */
    private JsonNode auditEvent(HttpResponse<String> response) throws Exception {
        String requestId = response.headers().firstValue("x-amzn-RequestId").orElseThrow();
        ObjectNode request = MAPPER.createObjectNode();
        request.putArray("LookupAttributes").addObject().put("AttributeKey", "EventSource")
                .put("AttributeValue", SelfAudit.EVENT_SOURCE);
        for (JsonNode event : answer(cairn.cloudTrail("LookupEvents", request.toString(), REGION)).get("Events")) {
            JsonNode record = MAPPER.readTree(event.get("CloudTrailEvent").asText());
            if (record.get("requestID").asText().equals(requestId)) {
                return record;
            }
        }
        throw new AssertionError("no audit event for request " + requestId);
    }

    @Test
    void resend_ofTheSameBatch_storesNothingNewAndAnswersWithTheSameEventIds() throws Exception {
        List<String> records = List.of(record("id-1"), record("id-2"), record("id-3"));
        JsonNode first = post(records);
        assertThat(first.get("recordCount").asInt()).isEqualTo(3);
        assertThat(first.get("duplicates").asInt()).isZero();
        assertThat(first.has("firstOffset")).isTrue();
        assertThat(eventIds(first)).containsExactly("id-1", "id-2", "id-3");

        HttpResponse<String> resent = cairn.postRecords(batch(records), REGION);
        JsonNode second = answer(resent);
        assertThat(second.get("recordCount").asInt()).isZero();
        assertThat(second.get("duplicates").asInt()).isEqualTo(3);
        assertThat(second.has("firstOffset")).as(second.toString()).isFalse();
        assertThat(eventIds(second)).containsExactly("id-1", "id-2", "id-3");

        assertThat(stored(REGION)).isEqualTo(Map.of("id-1", 1, "id-2", 1, "id-3", 1));
        JsonNode audit = auditEvent(resent);
        assertThat(audit.get("requestParameters")).isEqualTo(MAPPER.readTree("{\"recordCount\":3}"));
        assertThat(audit.get("responseElements"))
                .isEqualTo(MAPPER.readTree("{\"recordCount\":0,\"duplicates\":3}"));
    }

    @Test
    void batch_mixingNewAndKnownIds_storesOnlyTheNewOnes() throws Exception {
        long first = post(List.of(record("known-1"), record("known-2"))).get("firstOffset").asLong();

        HttpResponse<String> response = cairn.postRecords(batch(List.of(record("new-1"), record("known-2"),
                record(null), record("known-1"), record("new-2"))), REGION);
        JsonNode answer = answer(response);
        assertThat(answer.get("recordCount").asInt()).isEqualTo(3);
        assertThat(answer.get("duplicates").asInt()).isEqualTo(2);
        // After the two records and the audit event of their call: the offset of the first record newly stored.
        assertThat(answer.get("firstOffset").asLong()).isEqualTo(first + 3);
        List<String> ids = eventIds(answer);
        assertThat(ids).hasSize(5);
        assertThat(ids.get(0)).isEqualTo("new-1");
        assertThat(ids.get(1)).isEqualTo("known-2");
        assertThat(ids.get(2)).isNotBlank().isNotIn("new-1", "new-2", "known-1", "known-2");
        assertThat(ids.subList(3, 5)).containsExactly("known-1", "new-2");

        assertThat(stored(REGION)).isEqualTo(Map.of("known-1", 1, "known-2", 1, "new-1", 1, "new-2", 1,
                ids.get(2), 1));
        assertThat(auditEvent(response).get("responseElements"))
                .isEqualTo(MAPPER.readTree("{\"recordCount\":3,\"duplicates\":2}"));
    }

    @Test
    void sameIdTwice_inOneBatch_storesTheFirstOnly() throws Exception {
        JsonNode answer = post(List.of(record("twice", "CreateUser", REGION), record("once"),
                record("twice", "DeleteUser", REGION)));
        assertThat(answer.get("recordCount").asInt()).isEqualTo(2);
        assertThat(answer.get("duplicates").asInt()).isEqualTo(1);
        assertThat(eventIds(answer)).containsExactly("twice", "once", "twice");

        assertThat(stored(REGION)).isEqualTo(Map.of("twice", 1, "once", 1));
        JsonNode twice = cairn.events("{\"LookupAttributes\":[{\"AttributeKey\":\"EventId\",\"AttributeValue\":"
                + "\"twice\"}]}", REGION);
        assertThat(twice).singleElement().satisfies(event ->
                assertThat(event.get("EventName").asText()).isEqualTo("CreateUser"));
    }

    @Test
    void sameId_inAnotherRegionOrAccount_isAnotherEvent() throws Exception {
        String other = "999988887777";
        AwsCredentialsIdentity importer = cairn.newUser(cairn.accountId(), "importer", PermissionSet.WRITER, other);
        AwsCredentialsIdentity reader = cairn.newUser(other, "reader", PermissionSet.AUDITOR);

        assertThat(post(List.of(record("shared"))).get("recordCount").asInt()).isEqualTo(1);
        JsonNode west = post(List.of(record("shared", "CreateUser", "us-west-2")));
        assertThat(west.get("recordCount").asInt()).isEqualTo(1);
        assertThat(west.get("duplicates").asInt()).isZero();
        String inOther = record("shared").replace("{\"eventID\"", "{\"recipientAccountId\":\"" + other
                + "\",\"eventID\"");
        JsonNode otherAccount = answer(cairn.post(ApiRoutes.RECORDS_PATH, "application/json", null,
                batch(List.of(inOther)), REGION, importer));
        assertThat(otherAccount.get("recordCount").asInt()).isEqualTo(1);
        assertThat(otherAccount.get("duplicates").asInt()).isZero();

        assertThat(stored(REGION)).isEqualTo(Map.of("shared", 1));
        assertThat(stored("us-west-2")).isEqualTo(Map.of("shared", 1));
        HttpResponse<String> lookup = cairn.post("/", "application/x-amz-json-1.1", ApiRoutes.TARGET_PREFIX
                + "LookupEvents", ("{\"LookupAttributes\":[{\"AttributeKey\":\"EventId\",\"AttributeValue\":"
                + "\"shared\"}]}").getBytes(StandardCharsets.UTF_8), REGION, reader);
        assertThat(answer(lookup).get("Events")).hasSize(1);

        // And each is recognised again in its own account and region.
        assertThat(post(List.of(record("shared", "CreateUser", "us-west-2"))).get("duplicates").asInt())
                .isEqualTo(1);
        assertThat(answer(cairn.post(ApiRoutes.RECORDS_PATH, "application/json", null, batch(List.of(inOther)),
                REGION, importer)).get("duplicates").asInt()).isEqualTo(1);
    }

    @Test
    void recordsWithoutEventId_areNeverDeduplicated() throws Exception {
        List<String> records = List.of(record(null), record(null));
        JsonNode first = post(records);
        JsonNode second = post(records);
        for (JsonNode answer : List.of(first, second)) {
            assertThat(answer.get("recordCount").asInt()).isEqualTo(2);
            assertThat(answer.get("duplicates").asInt()).isZero();
        }
        List<String> ids = new ArrayList<>(eventIds(first));
        ids.addAll(eventIds(second));
        assertThat(ids).doesNotHaveDuplicates();
        assertThat(stored(REGION).keySet()).containsExactlyInAnyOrderElementsOf(ids);
    }

    @Test
    void concurrentBatches_withTheSameIds_storeEachOnce() throws Exception {
        int threads = 8;
        List<String> ids = IntStream.range(0, 50).mapToObj(i -> "same-" + i).toList();
        List<String> records = ids.stream().map(IngestDeduplicationTest::record).toList();
        List<JsonNode> answers = postAtOnce(threads, thread -> records);

        assertThat(answers.stream().mapToInt(answer -> answer.get("recordCount").asInt()).sum()).isEqualTo(50);
        assertThat(answers.stream().mapToInt(answer -> answer.get("duplicates").asInt()).sum())
                .isEqualTo(50 * (threads - 1));
        for (JsonNode answer : answers) {
            assertThat(eventIds(answer)).isEqualTo(ids);
        }
        Map<String, Integer> stored = stored(REGION);
        assertThat(stored).hasSize(50);
        assertThat(stored.values()).containsOnly(1);
    }

    @Test
    void concurrentBatches_withOverlappingIds_storeTheirUnionOnce() throws Exception {
        // Thread t sends IDs 10t .. 10t+39, in an order of its own: each batch shares IDs with three others.
        int threads = 8;
        List<JsonNode> answers = postAtOnce(threads, thread -> {
            List<String> records = new ArrayList<>(IntStream.range(10 * thread, 10 * thread + 40)
                    .mapToObj(i -> record("overlap-" + i)).toList());
            Collections.rotate(records, 7 * thread);
            return records;
        });

        int distinct = 10 * (threads - 1) + 40;
        assertThat(answers.stream().mapToInt(answer -> answer.get("recordCount").asInt()).sum()).isEqualTo(distinct);
        assertThat(answers.stream().mapToInt(answer -> answer.get("duplicates").asInt()).sum())
                .isEqualTo(40 * threads - distinct);
        Map<String, Integer> stored = stored(REGION);
        assertThat(stored.keySet()).isEqualTo(IntStream.range(0, distinct).mapToObj(i -> "overlap-" + i)
                .collect(Collectors.toSet()));
        assertThat(stored.values()).containsOnly(1);
    }

    /** Posts one batch per thread, all released at the same moment; returns the answers. */
    private List<JsonNode> postAtOnce(int threads, IntFunction<List<String>> batchOf)
            throws Exception {
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<JsonNode>> answers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                byte[] body = batch(batchOf.apply(t));
                answers.add(pool.submit(() -> {
                    start.await(30, TimeUnit.SECONDS);
                    return answer(cairn.postRecords(body, REGION));
                }));
            }
            List<JsonNode> results = new ArrayList<>();
            for (Future<JsonNode> answer : answers) {
                results.add(answer.get(60, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void resend_afterARestart_isStillRecognised() throws Exception {
        List<String> records = List.of(record("kept-1"), record("kept-2"), record(null));
        JsonNode first = post(records.subList(0, 2));
        assertThat(first.get("recordCount").asInt()).isEqualTo(2);
        cairn.close();
        cairn = RunningCairn.start(data, new MutableClock(NOW.plusSeconds(3600)), Map.of());

        JsonNode resent = post(records);
        assertThat(resent.get("recordCount").asInt()).isEqualTo(1);
        assertThat(resent.get("duplicates").asInt()).isEqualTo(2);
        assertThat(eventIds(resent).subList(0, 2)).containsExactly("kept-1", "kept-2");
        assertThat(stored(REGION)).containsOnlyKeys("kept-1", "kept-2", eventIds(resent).get(2))
                .allSatisfy((id, count) -> assertThat(count).isEqualTo(1));
    }

    @Test
    void resend_ofCairnsOwnAuditEventPostedBack_isADuplicate() throws Exception {
        HttpResponse<String> call = cairn.cloudTrail("ListTrails", "{}", REGION);
        cairn.server().flushAudit();
        JsonNode own = auditEvent(call);

        JsonNode answer = post(List.of(own.toString()));

        assertThat(answer.get("recordCount").asInt()).isZero();
        assertThat(answer.get("duplicates").asInt()).isEqualTo(1);
        assertThat(eventIds(answer)).containsExactly(own.get("eventID").asText());
    }
}
