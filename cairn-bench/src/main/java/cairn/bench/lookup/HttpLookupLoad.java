package cairn.bench.lookup;

import cairn.bench.http.LoopbackHttp;
import cairn.bench.http.SigV4Signer;
import cairn.bench.measure.ClosedLoop;
import cairn.bench.measure.Medians;
import cairn.bench.server.CairnProcess;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Cairn over a store of {@link HistoryStore} (10 million events by default), in a child JVM, per round: the start-up
 * (JVM start to the first LookupEvents answered) and what {@code EventStore.open} reported as its recovery time, the
 * heap after a full GC right after start and again after the load, the resident memory, then LookupEvents over HTTP
 * by closed-loop clients (one attribute per call, a page of 50; the attributes EventName, Username, AccessKeyId,
 * EventSource, ReadOnly and EventId in turn, as in {@code PostgresLookup}, each with a value seen in the data): lookups/s and p50/p99
 * latency per call.
 *
 * <p>Run (after building the store, see {@link HistoryStore}; about 4 minutes with the defaults):
 * <pre>
 * $JAVA_HOME/bin/java -Xmx1g -cp cairn-bench/target/cairn-bench.jar cairn.bench.lookup.HttpLookupLoad \
 *     --store /tmp/cairn-bench-10m --events 10000000 --clients 1,4,8 --seconds 10 --warm-up 3 --rounds 3
 * </pre>
 */
public final class HttpLookupLoad {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The attributes the PostgreSQL baseline has an index for (ResourceName is measured in-process only). */
    private static final String[] ATTRIBUTES = {"EventName", "Username", "AccessKeyId", "EventSource", "ReadOnly",
        "EventId"};

    private HttpLookupLoad() {
    }

    public static void main(String[] args) throws Exception {
        Path store = Path.of("/tmp/cairn-bench-10m");
        long events = 10_000_000L;
        int[] clientCounts = {1, 4, 8};
        double seconds = 15;
        double warmUp = 5;
        int rounds = 3;
        String heap = "1g";
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--store" -> store = Path.of(args[i + 1]);
                case "--events" -> events = Long.parseLong(args[i + 1]);
                case "--clients" -> clientCounts = Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt)
                        .toArray();
                case "--seconds" -> seconds = Double.parseDouble(args[i + 1]);
                case "--warm-up" -> warmUp = Double.parseDouble(args[i + 1]);
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                case "--server-heap" -> heap = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Path data = HistoryStore.ensure(store, events);
        System.out.printf("machine: %d cores, JDK %s, store %s%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), data);
        Medians medians = new Medians();
        List<byte[]> requests = null;
        for (int round = 1; round <= rounds; round++) {
            try (CairnProcess cairn = CairnProcess.start("cairn.server.Main", data, heap, List.of())) {
                System.out.printf("round %d: %d records in %d segments; start-up %d ms (store recovery %d ms)%n",
                        round, cairn.records(), cairn.segments(), cairn.startUp().toMillis(), cairn.recoveryMillis());
                medians.add("start-up until LookupEvents answers, ms", cairn.startUp().toMillis());
                medians.add("EventStore.open recovery took, ms", cairn.recoveryMillis());
                medians.add("heap used after full GC at start, MB", cairn.heapUsedAfterFullGc() / 1e6);
                if (requests == null) {
                    requests = sampleRequests(cairn.port(), cairn.auditor(), 3000, 11);
                }
                for (int clients : clientCounts) {
                    Result result = run(cairn.port(), cairn.auditor(), requests, clients, warmUp, seconds);
                    System.out.printf("round %d: %s%n", round, result);
                    medians.add(clients + " clients lookups/s", result.perSecond());
                    medians.add(clients + " clients p50 ms", result.p50Millis());
                    medians.add(clients + " clients p99 ms", result.p99Millis());
                }
                medians.add("heap used after full GC after the lookups, MB", cairn.heapUsedAfterFullGc() / 1e6);
                medians.add("resident memory after the lookups, MB", cairn.residentBytes() / 1e6);
            }
        }
        System.out.println();
        System.out.println("medians over " + rounds + " round(s):");
        System.out.print(medians.report());
    }

    record Result(int clients, long lookups, double seconds, double p50Millis, double p99Millis) {
        double perSecond() {
            return lookups / seconds;
        }

        @Override
        public String toString() {
            return String.format("%d client(s): %,.0f lookups/s (%,d in %.1f s), latency p50 %.2f ms, p99 %.2f ms",
                    clients, perSecond(), lookups, seconds, p50Millis, p99Millis);
        }
    }

    /**
     * Request bodies for one attribute each, attributes in turn, values from the events of random one-minute windows
     * of the store's span (read through LookupEvents itself).
     */
    static List<byte[]> sampleRequests(int port, SigV4Signer.Credentials auditor, int count, long seed)
            throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        long end = System.currentTimeMillis() / 1000;
        long start = end - HistoryStore.SPAN.toSeconds() - 86_400;
        List<List<String>> values = new ArrayList<>();
        for (int a = 0; a < ATTRIBUTES.length; a++) {
            values.add(new ArrayList<>());
        }
        try (LoopbackHttp http = new LoopbackHttp("127.0.0.1", port, auditor)) {
            while (values.stream().mapToInt(List::size).min().orElse(0) < count / ATTRIBUTES.length) {
                long from = start + random.nextLong(end - start);
                String body = "{\"StartTime\":" + from + ",\"EndTime\":" + (from + 600) + ",\"MaxResults\":50}";
                JsonNode page = JSON.readTree(http.post("/", LoopbackHttp.LOOKUP_EVENTS_HEADERS,
                        body.getBytes(StandardCharsets.UTF_8)).body());
                for (JsonNode event : page.path("Events")) {
                    if (random.nextInt(10) != 0) {
                        continue;
                    }
                    for (int a = 0; a < ATTRIBUTES.length; a++) {
                        JsonNode value = ATTRIBUTES[a].equals("ResourceName")
                                ? event.path("Resources").path(0).path("ResourceName") : event.path(ATTRIBUTES[a]);
                        if (value.isTextual()) {
                            values.get(a).add(value.asText());
                        }
                    }
                }
            }
        }
        List<byte[]> requests = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int a = i % ATTRIBUTES.length;
            List<String> pool = values.get(a);
            ObjectNode request = JSON.createObjectNode();
            request.putArray("LookupAttributes").addObject().put("AttributeKey", ATTRIBUTES[a])
                    .put("AttributeValue", pool.get(random.nextInt(pool.size())));
            requests.add(JSON.writeValueAsBytes(request));
        }
        return requests;
    }

    static Result run(int port, SigV4Signer.Credentials auditor, List<byte[]> requests, int clients,
                      double warmUpSeconds, double measureSeconds) throws InterruptedException {
        ClosedLoop.Outcome outcome = ClosedLoop.run(clients, client -> {
            LoopbackHttp http = new LoopbackHttp("127.0.0.1", port, auditor);
            return ClosedLoop.Client.of(call -> {
                LoopbackHttp.Response response = http.post("/", LoopbackHttp.LOOKUP_EVENTS_HEADERS,
                        requests.get((client * 997 + call) % requests.size()));
                if (response.status() != 200) {
                    throw new IOException("LookupEvents failed: " + response.status() + " " + response.text());
                }
                return 1;
            }, http);
        }, warmUpSeconds, measureSeconds, Long.MAX_VALUE);
        return new Result(clients, outcome.units(), outcome.seconds(), outcome.p50Millis(), outcome.p99Millis());
    }
}
