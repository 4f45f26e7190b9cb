package cairn.capture.testing;

import cairn.capture.Credentials;
import cairn.server.identity.PermissionSet;
import cairn.server.testing.MutableClock;
import cairn.server.testing.RunningCairn;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.services.cloudtrail.CloudTrailClient;
import software.amazon.awssdk.services.cloudtrail.model.Event;
import software.amazon.awssdk.services.cloudtrail.model.LookupAttribute;
import software.amazon.awssdk.services.cloudtrail.model.LookupAttributeKey;
import software.amazon.awssdk.services.cloudtrail.model.LookupEventsRequest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Cairn server for capture tests ({@link RunningCairn}) on a port of its own, fixed for its life, so that it can be
 * stopped and started again on the same data folder and port while a service keeps sending to it. Creates a writer
 * (the key services send with) and looks events up with the AWS SDK as the installation's administrator. The clock is
 * the real time when it starts, moved by the test only. Not thread-safe.
 */
public final class LocalCairn implements AutoCloseable {
    public static final String REGION = "us-east-1";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path data;
    private final int port;
    private final MutableClock clock;
    private final Credentials writer;
    private RunningCairn running;

    private LocalCairn(Path data, int port, MutableClock clock) throws IOException {
        this.data = data;
        this.port = port;
        this.clock = clock;
        this.running = start();
        AwsCredentialsIdentity key = running.newUser(running.accountId(), "capture-writer", PermissionSet.WRITER);
        this.writer = new Credentials(key.accessKeyId(), key.secretAccessKey());
    }

    /** Starts Cairn on {@code data}, on a free port it keeps. */
    public static LocalCairn start(Path data) throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        return new LocalCairn(data, port, new MutableClock(Instant.now()));
    }

    private RunningCairn start() throws IOException {
        return RunningCairn.start(data, clock, Map.of("server.port", Integer.toString(port)));
    }

    public MutableClock clock() {
        return clock;
    }

    /** Where services send records; the same while Cairn is stopped. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** The writer's key: services send records with it. */
    public Credentials writer() {
        return writer;
    }

    public boolean running() {
        return running != null;
    }

    public void stop() throws IOException {
        if (running != null) {
            running.close();
            running = null;
        }
    }

    /** Starts Cairn again on the same data and port. */
    public void restart() throws IOException {
        if (running == null) {
            running = start();
        }
    }

    /** Every event of the history (this region, the installation's account) with this attribute, page after page. */
    public List<Event> lookup(LookupAttributeKey key, String value) {
        if (running == null) {
            throw new IllegalStateException("Cairn is stopped");
        }
        try (CloudTrailClient client = running.sdk(CloudTrailClient.builder(), REGION).build()) {
            List<Event> events = new ArrayList<>();
            client.lookupEventsPaginator(LookupEventsRequest.builder().maxResults(50)
                    .lookupAttributes(LookupAttribute.builder().attributeKey(key).attributeValue(value).build())
                    .build()).events().forEach(events::add);
            return events;
        }
    }

    /** The records (CloudTrailEvent) of the events of {@code eventSource}, newest first. */
    public List<JsonNode> records(String eventSource) {
        return lookup(LookupAttributeKey.EVENT_SOURCE, eventSource).stream().map(LocalCairn::record).toList();
    }

    /** The record an event carries. */
    public static JsonNode record(Event event) {
        try {
            return JSON.readTree(event.cloudTrailEvent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        stop();
    }
}
