package cairn.capture.servlet;

import cairn.capture.AuditClient;
import cairn.capture.Mode;
import cairn.capture.testing.Drain;
import cairn.capture.testing.LocalCairn;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.cloudtrail.model.Event;
import software.amazon.awssdk.services.cloudtrail.model.LookupAttributeKey;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static cairn.capture.testing.Callers.basic;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link Mode#FAIL_CLOSED}: no call is served unaudited. While Cairn is down calls are refused with 503, and once the
 * client knows it is down they are refused before they run; while it is up, a call's event is in Cairn's history by
 * the time its response arrives.
 */
final class FailClosedTest {
    @TempDir
    Path data;
    @TempDir
    Path spill;
    @TempDir
    Path tomcatDir;

    private LocalCairn cairn;
    private AuditClient client;
    private SampleService service;

    @BeforeEach
    void start() throws Exception {
        cairn = LocalCairn.start(data);
        client = AuditClient.builder(cairn.endpoint(), cairn.writer()).spillFolder(spill).shutdownHook(false)
                .clock(cairn.clock()).timeout(Duration.ofSeconds(2)).maxBackoff(Duration.ofMillis(200)).build();
        service = new SampleService(tomcatDir, new AuditFilter(AuditFilterTest.recorder(), client, Mode.FAIL_CLOSED,
                Duration.ofSeconds(5), cairn.clock()));
        // A client may start by finding out whether Cairn is there; fail-closed calls wait for that.
        Drain.reachable(client, Duration.ofSeconds(10));
    }

    @AfterEach
    void stop() throws Exception {
        service.close();
        client.close();
        cairn.close();
    }

    private HttpResponse<String> createUser(String caller, String name) throws Exception {
        return service.send(service.request("/users").header("Authorization", basic(caller, "pw"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + name + "\",\"password\":\"pw\"}")));
    }

    private List<String> createdBy(String caller) {
        return cairn.lookup(LookupAttributeKey.USERNAME, caller).stream()
                .map(event -> LocalCairn.record(event).get("requestParameters").get("name").asText()).toList();
    }

    @Test
    void cairnUp_callSucceeds_andItsEventIsInTheHistoryWhenTheResponseArrives() throws Exception {
        HttpResponse<String> created = createUser("carol", "first");
        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(created.body()).isEqualTo("{\"id\":\"1\",\"name\":\"first\"}");
        assertThat(created.headers().firstValue("Location")).contains("/users/1");
        List<Event> events = cairn.lookup(LookupAttributeKey.USERNAME, "carol");
        assertThat(events).extracting(Event::eventName).containsExactly("CreateUser");
        assertThat(LocalCairn.record(events.getFirst()).get("responseElements").toString())
                .isEqualTo("{\"id\":\"1\",\"name\":\"first\"}");

        HttpResponse<String> got = service.send(service.request("/users/1").header("Authorization",
                basic("carol", "pw")).GET());
        assertThat(got.statusCode()).isEqualTo(200);
        assertThat(got.body()).isEqualTo("{\"id\":\"1\",\"name\":\"user-1 \u00e9\"}");
        assertThat(cairn.lookup(LookupAttributeKey.USERNAME, "carol")).extracting(Event::eventName)
                .containsExactlyInAnyOrder("GetUser", "CreateUser");
        HttpResponse<String> missing = service.send(service.request("/users/9").DELETE());
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).isEqualTo("{\"__type\":\"UserNotFound\",\"message\":\"No user 9\"}");
        assertThat(cairn.lookup(LookupAttributeKey.EVENT_NAME, "DeleteUser")).hasSize(1);
        assertThat(service.invocations()).isEqualTo(3);
    }

    @Test
    void cairnDown_callsAreRefusedWith503_andNotRunOnceTheClientKnows_thenServedWhenCairnIsBack() throws Exception {
        assertThat(createUser("dan", "before").statusCode()).isEqualTo(201);
        assertThat(service.invocations()).isEqualTo(1);

        cairn.stop();
        // The client still believes Cairn is there: the call runs, but its record is not accepted, so its response
        // is withheld.
        HttpResponse<String> unconfirmed = createUser("dan", "unconfirmed");
        assertThat(unconfirmed.statusCode()).isEqualTo(503);
        assertThat(unconfirmed.body()).doesNotContain("unconfirmed");
        assertThat(service.invocations()).isEqualTo(2);
        assertThat(client.reachable()).isFalse();

        // Now it knows: calls are refused before they run.
        for (int i = 0; i < 3; i++) {
            assertThat(createUser("dan", "refused-" + i).statusCode()).isEqualTo(503);
        }
        assertThat(service.send(service.request("/users/1").GET()).statusCode()).isEqualTo(503);
        assertThat(service.invocations()).isEqualTo(2);

        cairn.restart();
        Drain.reachable(client, Duration.ofSeconds(10));
        HttpResponse<String> after = createUser("dan", "after");
        assertThat(after.statusCode()).isEqualTo(201);
        assertThat(after.body()).isEqualTo("{\"id\":\"3\",\"name\":\"after\"}");
        assertThat(service.invocations()).isEqualTo(3);
        // The call that ran while Cairn was down is recorded (its record was spilled and sent); the refused ones,
        // which never ran, are not.
        assertThat(createdBy("dan")).containsExactlyInAnyOrder("before", "unconfirmed", "after");
    }

    /**
     * A call answered with a JSON array makes a record Cairn refuses (responseElements must be an object); the client
     * drops that record and still confirms it, so the filter serves the call with no event anywhere. In fail-closed
     * mode a served call must have its event. (Fails: see the report.)
     */
    @Test
    void cairnUp_callWhoseRecordCairnRefuses_isNotServedUnaudited() throws Exception {
        HttpResponse<String> response = service.send(service.request("/users/batch")
                .header("Authorization", basic("erin", "pw")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("[{\"name\":\"a\"},{\"name\":\"b\"}]")));
        assertThat(service.invocations()).isEqualTo(1);
        if (response.statusCode() != 503) {
            assertThat(response.statusCode()).isEqualTo(201);
            assertThat(cairn.lookup(LookupAttributeKey.USERNAME, "erin"))
                    .as("the event of a call served (%d) in fail-closed mode", response.statusCode()).hasSize(1);
        }
    }
}
