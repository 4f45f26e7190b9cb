package cairn.bench.lookup;

import cairn.bench.events.SyntheticEvents;
import cairn.model.lookup.LookupAttribute;
import cairn.server.config.CairnConfig;
import cairn.server.history.EventHistory;
import cairn.server.history.HistoryTerms;
import cairn.server.identity.Installation;
import cairn.store.EventStore;
import cairn.store.Query;
import cairn.store.QueryResult;
import cairn.store.StoreConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * LookupEvents inside the server over the store of {@link HistoryStore}: one lookup attribute, a page of 50, newest
 * first, the value drawn per call from values of randomly picked stored records. {@code lookupEvents} is the whole
 * operation ({@link EventHistory#lookupEvents}: store query, reading the 50 records, parsing them and writing the
 * response JSON); {@code storeQuery} is {@link EventStore#query} alone. Sample-time mode, so JMH reports p50 and p99.
 *
 * <p>Run (after building the store, see {@link HistoryStore}; about 5 minutes):
 * <pre>
 * $JAVA_HOME/bin/java -jar cairn-bench/target/cairn-bench.jar cairn.bench.lookup.LookupBenchmark \
 *     -p store=/tmp/cairn-bench-10m -p events=10000000 -wi 1 -w 3 -i 3 -r 3 -rf json -rff /tmp/lookup.json
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
public class LookupBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Param("/tmp/cairn-bench-10m")
    public String store;

    @Param("10000000")
    public long events;

    @Param({"EventName", "Username", "AccessKeyId", "EventSource", "ResourceName", "ReadOnly", "EventId"})
    public String attribute;

    private EventStore eventStore;
    private EventHistory history;
    private String account;
    private JsonNode[] requests;
    private Query[] queries;
    private int next;

    @Setup(Level.Trial)
    public void open() throws IOException, InterruptedException {
        Path data = HistoryStore.ensure(Path.of(store), events);
        Installation installation = Installation.openOrCreate(data, Clock.systemUTC());
        account = SyntheticEvents.ACCOUNT;
        eventStore = EventStore.open(new StoreConfig(data.resolve("log"), StoreConfig.DEFAULT_SEGMENT_BYTES,
                StoreConfig.DEFAULT_MAX_ENTRY_BYTES));
        System.out.println(eventStore.recoveryReport().summary());
        CairnConfig config = CairnConfig.load(Map.of("data.directory", data.toString(), "history.retention", "3650d"),
                Map.of());
        history = new EventHistory(eventStore, Clock.systemUTC(), config.history(), installation.tokenKey());
        LookupAttribute key = LookupAttribute.fromApiName(attribute).orElseThrow();
        List<String> values = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(42);
        long count = eventStore.nextOffset();
        while (values.size() < 2000) {
            eventStore.read(random.nextLong(count))
                    .flatMap(entry -> LookupValues.of(key, entry.body()))
                    .ifPresent(values::add);
        }
        values = LookupValues.shuffled(values, 7);
        requests = new JsonNode[values.size()];
        queries = new Query[values.size()];
        for (int i = 0; i < values.size(); i++) {
            ObjectNode request = JSON.createObjectNode();
            request.putArray("LookupAttributes").addObject().put("AttributeKey", attribute)
                    .put("AttributeValue", values.get(i));
            requests[i] = request;
            queries[i] = new Query(List.of(HistoryTerms.of(key, account, SyntheticEvents.REGION, false,
                    values.get(i))), 0,
                    Long.MAX_VALUE, Optional.empty(), EventHistory.MAX_RESULTS);
        }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        eventStore.close();
    }

    @Benchmark
    public byte[] lookupEvents() {
        int i = next++ % requests.length;
        return history.lookupEvents(account, SyntheticEvents.REGION, requests[i]);
    }

    @Benchmark
    public QueryResult storeQuery() {
        int i = next++ % queries.length;
        return eventStore.query(queries[i]);
    }
}
