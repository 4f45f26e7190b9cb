package cairn.bench.capture;

import cairn.bench.http.LoopbackHttp;
import cairn.bench.measure.Medians;
import cairn.bench.server.CairnProcess;
import cairn.capture.AuditClient;
import cairn.capture.CallRecorder;
import cairn.capture.Credentials;
import cairn.capture.Mode;
import cairn.capture.proxy.AwsNamer;
import cairn.capture.proxy.RecordingProxy;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

/**
 * The latency {@code cairn proxy} ({@link RecordingProxy}) adds to a call, against calling the upstream directly,
 * side by side at a fixed rate (issue 7: at most 1 ms at p50 and 5 ms at p99, at 1,000 requests/s).
 *
 * <p>The upstream is a small fast service in this JVM: the JDK's HttpServer on virtual threads answering every
 * {@link SampleCall} ({@code POST /orders}, Bearer JWT, 368-byte JSON body) with 201 and a 1 KB JSON body. The proxy
 * runs in this JVM too, configured as the {@code cairn proxy} command configures it (fail-open, {@link AwsNamer},
 * the Host header passed on), and sends its records with an {@link AuditClient} (default settings: SPILL, batches
 * lingering 20 ms) to a real Cairn in a child JVM ({@code --cairn real}, the default: {@link CairnProcess}, a writer
 * key of {@code BenchIdentity}), so its ingest takes its share of the same 2 cores as it would on a one-box install;
 * or to {@link AcceptingEndpoint} in this JVM ({@code --cairn fake}). An open-loop client ({@link OpenLoop}) sends
 * {@code --rate} requests a second at fixed intervals, latency counted from each request's due time. After a warm-up
 * of both paths (a quarter of it at a quarter of the rate, a quarter at half, the rest at the full rate), each round
 * measures the upstream directly and through a new proxy (alternating which goes first), each with a few settling
 * seconds not measured; it reports p50/p99/p99.9/max of both, the CPU this JVM and Cairn spent per request, and the
 * difference (proxied minus direct) of p50 and p99, with the medians over rounds. At the end it flushes the client
 * and checks, by paging LookupEvents by each proxy's eventSource, that every call the proxy answered reached Cairn.
 *
 * <p>Run (about 4.5 minutes with the defaults):
 * <pre>
 * JAVA_HOME=$(bin/find-jdk) mvn -B -q -o clean install -DskipTests -pl cairn-bench
 * $(bin/find-jdk)/bin/java -Xmx1g -cp cairn-bench/target/cairn-bench.jar cairn.bench.capture.ProxyLoad \
 *     --rate 1000 --warm-up 20 --settle 5 --seconds 30 --rounds 3 --cairn real
 * </pre>
 */
public final class ProxyLoad {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ProxyLoad() {
    }

    public static void main(String[] args) throws Exception {
        // As `cairn proxy` does: SigV4 signs Host, so the proxy passes the client's on.
        System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host");
        Options options = Options.parse(args);
        System.out.printf("machine: %d cores, JDK %s; %,d requests/s, warm-up %.0f s per path, then %d round(s) of "
                        + "%.0f s settling + %.0f s measured per path; Cairn: %s%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), options.rate,
                options.warmUp, options.rounds, options.settle, options.seconds, options.cairn);
        Path data = Files.createTempDirectory("cairn-bench-proxy");
        Map<String, Long> served = new LinkedHashMap<>();
        Medians medians = new Medians();
        try (Upstream upstream = Upstream.start()) {
            CairnProcess cairn = null;
            AcceptingEndpoint fake = null;
            URI endpoint;
            Credentials credentials;
            if (options.cairn.equals("real")) {
                cairn = CairnProcess.start(data.resolve("cairn"), "1g", List.of());
                endpoint = URI.create("http://127.0.0.1:" + cairn.port());
                credentials = new Credentials(cairn.writer().accessKeyId(), cairn.writer().secretAccessKey());
                System.out.printf("Cairn started in %d ms (pid %d)%n", cairn.startUp().toMillis(), cairn.pid());
            } else {
                fake = AcceptingEndpoint.start();
                endpoint = fake.uri();
                credentials = new Credentials("AKIABENCHPROXY000001", "benchbenchbenchbenchbenchbenchbenchbench");
            }
            try (AuditClient client = AuditClient.builder(endpoint, credentials).spillFolder(data.resolve("spill"))
                    .shutdownHook(false).build()) {
                byte[] redactionKey = "bench-redaction-key-32-bytes-long".getBytes(StandardCharsets.US_ASCII);
                Target direct = new Target("direct", upstream.port(), null);
                System.out.println();
                System.out.println("warm-up");
                warmUp("warm-up direct ", direct, options, cairn);
                Target warmProxy = Target.proxy("proxy-warm-up.bench.example", upstream, client, redactionKey);
                served.put(warmProxy.source, warmUp("warm-up proxied", warmProxy, options, cairn));
                warmProxy.close();
                for (int round = 1; round <= options.rounds; round++) {
                    System.out.println("round " + round);
                    Target proxied = Target.proxy("proxy-round-" + round + ".bench.example", upstream, client,
                            redactionKey);
                    Measured directRun;
                    Measured proxiedRun;
                    if (round % 2 == 1) {
                        directRun = measure(direct, options, options.settle, options.seconds, cairn);
                        proxiedRun = measure(proxied, options, options.settle, options.seconds, cairn);
                    } else {
                        proxiedRun = measure(proxied, options, options.settle, options.seconds, cairn);
                        directRun = measure(direct, options, options.settle, options.seconds, cairn);
                    }
                    proxied.close();
                    // Every request the proxy answered, settling ones included (each of them is recorded).
                    served.put(proxied.source, (long) proxiedRun.answered());
                    report("direct ", directRun);
                    report("proxied", proxiedRun);
                    System.out.printf("  added  p50 %.3f ms, p99 %.3f ms%n",
                            proxiedRun.percentileMillis(0.50) - directRun.percentileMillis(0.50),
                            proxiedRun.percentileMillis(0.99) - directRun.percentileMillis(0.99));
                    for (Map.Entry<String, Measured> path : Map.of("direct", directRun, "proxied", proxiedRun)
                            .entrySet().stream().sorted(Map.Entry.comparingByKey()).toList()) {
                        Measured run = path.getValue();
                        medians.add(path.getKey() + " p50 ms", run.percentileMillis(0.50));
                        medians.add(path.getKey() + " p99 ms", run.percentileMillis(0.99));
                        medians.add(path.getKey() + " p99.9 ms", run.percentileMillis(0.999));
                        medians.add(path.getKey() + " max ms", run.maxMillis());
                        medians.add(path.getKey() + " requests/s", run.rate());
                        medians.add(path.getKey() + " CPU µs/request, this JVM", run.cpuMicros());
                        if (cairn != null) {
                            medians.add(path.getKey() + " CPU µs/request, Cairn", run.cairnCpuMicros());
                        }
                    }
                    medians.add("added p50 ms (proxied - direct)",
                            proxiedRun.percentileMillis(0.50) - directRun.percentileMillis(0.50));
                    medians.add("added p99 ms (proxied - direct)",
                            proxiedRun.percentileMillis(0.99) - directRun.percentileMillis(0.99));
                }
                direct.close();
                System.out.println();
                System.out.println("medians over " + options.rounds + " round(s):");
                System.out.print(medians.report());
                System.out.printf("target: added p50 <= 1 ms: %s; added p99 <= 5 ms: %s%n",
                        medians.median("added p50 ms (proxied - direct)") <= 1 ? "met" : "NOT met",
                        medians.median("added p99 ms (proxied - direct)") <= 5 ? "met" : "NOT met");
                boolean flushed = client.flush(Duration.ofSeconds(60));
                System.out.printf("%naudit client: flushed %s; %,d record(s) sent, %,d spilled, %,d dropped, %,d "
                                + "rejected%n", flushed ? "yes" : "NO", client.sent(), client.spilled(),
                        client.dropped(), client.rejected());
                long expected = served.values().stream().mapToLong(Long::longValue).sum();
                if (cairn != null) {
                    long found = 0;
                    for (Map.Entry<String, Long> source : served.entrySet()) {
                        long count = count(cairn, source.getKey());
                        found += count;
                        System.out.printf("  %-32s proxied %,7d calls, Cairn holds %,7d events%s%n",
                                source.getKey(), source.getValue(), count,
                                count == source.getValue() ? "" : "  <-- MISMATCH");
                    }
                    System.out.printf("every proxied call reached Cairn: %s (%,d of %,d)%n",
                            found == expected ? "yes" : "NO", found, expected);
                } else {
                    System.out.printf("fake endpoint: %,d batch(es), %,d bytes; proxied calls %,d%n",
                            fake.batches(), fake.bytes(), expected);
                }
            } finally {
                if (cairn != null) {
                    cairn.close();
                }
                if (fake != null) {
                    fake.close();
                }
            }
        } finally {
            delete(data);
        }
    }

    /** A run, and the CPU this JVM and Cairn's spent on it, in microseconds per request. */
    private record Measured(OpenLoop.Run run, double cpuMicros, double cairnCpuMicros) {
        double percentileMillis(double fraction) {
            return run.percentileMillis(fraction);
        }

        double maxMillis() {
            return run.maxMillis();
        }

        double rate() {
            return run.rate();
        }

        int answered() {
            return run.answered();
        }
    }

    /**
     * Warms a path up: a quarter of the warm-up at a quarter of the rate, a quarter at half, the rest at the full
     * rate (a cold JIT at full rate on 2 busy cores can fall so far behind that it takes long to catch up); reports
     * each step. Answers how many requests were answered.
     */
    private static long warmUp(String label, Target target, Options options, CairnProcess cairn)
            throws InterruptedException, IOException {
        long answered = 0;
        for (int divisor : new int[]{4, 2, 1}) {
            double seconds = options.warmUp / (divisor == 1 ? 2 : 4);
            Measured step = measure(target, Math.max(1, options.rate / divisor), 0, seconds, cairn);
            report(label, step);
            answered += step.answered();
        }
        return answered;
    }

    private static Measured measure(Target target, Options options, double settle, double seconds,
                                    CairnProcess cairn) throws InterruptedException, IOException {
        return measure(target, options.rate, settle, seconds, cairn);
    }

    private static Measured measure(Target target, int rate, double settle, double seconds, CairnProcess cairn)
            throws InterruptedException, IOException {
        long cpu = processCpuNanos();
        long cairnCpu = cairn == null ? 0 : childCpuNanos(cairn.pid());
        OpenLoop.Run run = target.client.run(rate, settle, seconds, 201);
        double requests = run.total();
        return new Measured(run, (processCpuNanos() - cpu) / 1e3 / requests,
                cairn == null ? 0 : (childCpuNanos(cairn.pid()) - cairnCpu) / 1e3 / requests);
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** User and system CPU of a child process, from {@code /proc/<pid>/stat} (clock ticks of 10 ms). */
    private static long childCpuNanos(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 10_000_000L;
    }

    private static void report(String label, Measured measured) {
        OpenLoop.Run run = measured.run();
        System.out.printf("  %s %,6.0f req/s  p50 %7.3f ms  p99 %7.3f ms  p99.9 %7.3f ms  max %8.3f ms  "
                        + "CPU/request: this JVM %4.0f µs, Cairn %4.0f µs  (%d errors, %d unexpected statuses, "
                        + "%d connections opened, %d retried on a new one; load average %s)%n",
                label, run.rate(), run.percentileMillis(0.50), run.percentileMillis(0.99),
                run.percentileMillis(0.999), run.maxMillis(), measured.cpuMicros(), measured.cairnCpuMicros(),
                run.errors(), run.unexpected(), run.connections(), run.retried(), loadAverage());
    }

    /** The 1-minute load average, to tell a quiet machine from a busy one. */
    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }

    /** How many events of {@code source} Cairn holds, by paging LookupEvents. */
    private static long count(CairnProcess cairn, String source) throws IOException {
        long count = 0;
        String token = null;
        try (LoopbackHttp http = new LoopbackHttp("127.0.0.1", cairn.port(), cairn.auditor())) {
            do {
                ObjectNode request = JSON.createObjectNode();
                request.putArray("LookupAttributes").addObject().put("AttributeKey", "EventSource")
                        .put("AttributeValue", source);
                request.put("MaxResults", 50);
                if (token != null) {
                    request.put("NextToken", token);
                }
                LoopbackHttp.Response response = http.post("/", LoopbackHttp.LOOKUP_EVENTS_HEADERS,
                        JSON.writeValueAsBytes(request));
                if (response.status() != 200) {
                    throw new IOException("LookupEvents failed: " + response.status() + " " + response.text());
                }
                JsonNode page = JSON.readTree(response.body());
                count += page.path("Events").size();
                token = page.path("NextToken").isTextual() ? page.path("NextToken").asText() : null;
            } while (token != null);
        }
        return count;
    }

    /** Where the client sends: the upstream, or a proxy in front of it. */
    private static final class Target implements AutoCloseable {
        final String source;
        final RecordingProxy proxy;
        final OpenLoop client;

        Target(String source, int port, RecordingProxy proxy) {
            this.source = source;
            this.proxy = proxy;
            Map<String, String> headers = new LinkedHashMap<>(SampleCall.requestHeaders());
            // The client is the only hop before the proxy here.
            headers.remove("X-Forwarded-For");
            headers.remove("X-Forwarded-Proto");
            this.client = new OpenLoop("127.0.0.1", port, SampleCall.METHOD, SampleCall.PATH, headers,
                    SampleCall.REQUEST_BODY);
        }

        /** A new proxy, as {@code cairn proxy} sets one up, its events from {@code source}. */
        static Target proxy(String source, Upstream upstream, AuditClient client, byte[] redactionKey)
                throws IOException {
            CallRecorder recorder = CallRecorder.builder(source, redactionKey).namer(new AwsNamer()).build();
            RecordingProxy proxy = RecordingProxy.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                    URI.create("http://127.0.0.1:" + upstream.port()), recorder, client, Mode.FAIL_OPEN,
                    Duration.ofSeconds(5), Clock.systemUTC());
            return new Target(source, proxy.port(), proxy);
        }

        @Override
        public void close() {
            client.close();
            if (proxy != null) {
                proxy.close();
            }
        }
    }

    /** The upstream service: reads the body, answers 201 and 1 KB of JSON. */
    static final class Upstream implements AutoCloseable {
        private final HttpServer server;
        private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

        private Upstream() throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
            server.setExecutor(executor);
            server.createContext("/", exchange -> {
                try (exchange; InputStream in = exchange.getRequestBody()) {
                    in.readAllBytes();
                    exchange.getResponseHeaders().set("Content-Type", "application/json");
                    exchange.getResponseHeaders().set("Cache-Control", "no-store");
                    exchange.getResponseHeaders().set("Location", "/orders/ord_5Yq1x8Jk2M");
                    exchange.sendResponseHeaders(201, SampleCall.RESPONSE_BODY.length);
                    exchange.getResponseBody().write(SampleCall.RESPONSE_BODY);
                }
            });
            server.start();
        }

        static Upstream start() throws IOException {
            return new Upstream();
        }

        int port() {
            return server.getAddress().getPort();
        }

        @Override
        public void close() {
            server.stop(0);
            executor.shutdownNow();
        }
    }

    private static void delete(Path folder) throws IOException {
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        }
    }

    private record Options(int rate, double warmUp, double settle, double seconds, int rounds, String cairn) {
        static Options parse(String[] args) {
            int rate = 1000;
            double warmUp = 20;
            double settle = 5;
            double seconds = 30;
            int rounds = 3;
            String cairn = "real";
            List<String> list = new ArrayList<>(List.of(args));
            for (int i = 0; i < list.size(); i += 2) {
                String value = i + 1 < list.size() ? list.get(i + 1) : "";
                switch (list.get(i)) {
                    case "--rate" -> rate = Integer.parseInt(value);
                    case "--warm-up" -> warmUp = Double.parseDouble(value);
                    case "--settle" -> settle = Double.parseDouble(value);
                    case "--seconds" -> seconds = Double.parseDouble(value);
                    case "--rounds" -> rounds = Integer.parseInt(value);
                    case "--cairn" -> {
                        if (!value.equals("real") && !value.equals("fake")) {
                            throw new IllegalArgumentException("--cairn is real or fake, not " + value);
                        }
                        cairn = value;
                    }
                    default -> throw new IllegalArgumentException("unknown option " + list.get(i));
                }
            }
            return new Options(rate, warmUp, settle, seconds, rounds, cairn);
        }
    }
}
