package cairn.bench.capture;

import cairn.capture.AuditClient;
import cairn.capture.CallRecorder;
import cairn.capture.Credentials;
import cairn.capture.Exchange;
import cairn.capture.Route;
import cairn.capture.servlet.AuditFilter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletResponse;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.util.Statistics;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What the servlet {@link AuditFilter} adds to a request on the caller's thread (issue 7: at most 10 µs at p50).
 * The call is {@link SampleCall} ({@code POST /orders}, a Bearer JWT, a 368-byte JSON body with a password to redact,
 * a 1 KB JSON answer) served by a trivial service (reads the body, writes the answer) through hand-written servlet
 * fakes ({@link ServletFakes}). {@code bare} runs the service without the filter, {@code filtered} through it
 * (fail-open, as deployed by default; the recorder has five routes and trusts the load balancer's
 * {@code X-Forwarded-For}), {@code record} is {@link CallRecorder#record} alone on the same call. The filter's
 * {@link AuditClient} sends to a local {@link AcceptingEndpoint} (200 to everything) from its own thread, with
 * {@code DROP} overflow and a queue of 200,000, so {@code send} never blocks the caller; the teardown prints what it
 * sent and dropped (a drop costs the caller about what a queued record does). {@code filteredSenderIdle} is the same
 * filter with a client that cannot send (nothing runs on the other core: a control for how much of {@code filtered}
 * is the sender's competition for the 2 cores). Sample-time mode: JMH reports p50 and p99; the difference
 * {@code filtered - bare} is the filter's cost.
 *
 * <p>Run the JMH way: {@code java -jar cairn-bench/target/cairn-bench.jar cairn.bench.capture.FilterBenchmark};
 * or, the same plus a summary of the differences:
 * {@code java -cp cairn-bench/target/cairn-bench.jar cairn.bench.capture.FilterBenchmark}
 * (about 2.5 minutes).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@Warmup(iterations = 4, time = 3)
@Measurement(iterations = 6, time = 3)
public class FilterBenchmark {
    private static final byte[] REDACTION_KEY = "bench-redaction-key-32-bytes-long".getBytes();

    /** The service: reads the whole request body, answers 201 with a JSON body. */
    private static final FilterChain SERVICE = (request, response) -> {
        byte[] body = request.getInputStream().readAllBytes();
        if (body.length != SampleCall.REQUEST_BODY.length) {
            throw new ServletException("short body: " + body.length);
        }
        HttpServletResponse http = (HttpServletResponse) response;
        http.setStatus(201);
        http.setContentType("application/json");
        http.setHeader("Cache-Control", "no-store");
        http.setHeader("Location", "/orders/ord_5Yq1x8Jk2M");
        http.setContentLength(SampleCall.RESPONSE_BODY.length);
        http.getOutputStream().write(SampleCall.RESPONSE_BODY);
    };

    private AcceptingEndpoint endpoint;
    private AuditClient client;
    private CallRecorder recorder;
    private AuditFilter filter;
    private Map<String, String> headers;
    private Exchange exchange;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        endpoint = AcceptingEndpoint.start();
        client = AuditClient.builder(endpoint.uri(), new Credentials("AKIABENCHFILTER00001",
                        "benchbenchbenchbenchbenchbenchbenchbench")).overflow(AuditClient.Overflow.DROP)
                .queueCapacity(200_000).shutdownHook(false).build();
        recorder = recorder();
        filter = new AuditFilter(recorder, client);
        headers = new LinkedHashMap<>();
        headers.put("Host", "orders.example.com");
        headers.putAll(SampleCall.requestHeaders());
        headers.put("Content-Length", String.valueOf(SampleCall.REQUEST_BODY.length));
        exchange = exchange(headers);
    }

    /** The recorder a service would configure: its routes, its load balancer trusted. */
    static CallRecorder recorder() {
        return CallRecorder.builder("orders.example.com", REDACTION_KEY)
                .route(Route.of("GET", "/orders", "ListOrders"))
                .route(Route.of("GET", "/orders/{orderId}", "GetOrder"))
                .route(Route.of("POST", "/orders", "CreateOrder"))
                .route(Route.of("DELETE", "/orders/{orderId}", "CancelOrder"))
                .route(Route.of("POST", "/orders/{orderId}/refunds", "RefundOrder"))
                .trustProxy("10.0.0.0/8")
                .build();
    }

    /** The call as the filter sees it after the service ran. */
    private static Exchange exchange(Map<String, String> headers) {
        Map<String, List<String>> request = new LinkedHashMap<>();
        headers.forEach((name, value) -> request.put(name, List.of(value)));
        Map<String, List<String>> response = new LinkedHashMap<>(SampleCall.responseHeaders());
        response.put("Content-Length", List.of(String.valueOf(SampleCall.RESPONSE_BODY.length)));
        return new Exchange(Instant.now(), SampleCall.METHOD, SampleCall.PATH, Optional.empty(), request,
                SampleCall.PEER, Optional.empty(), SampleCall.REQUEST_BODY, SampleCall.REQUEST_BODY.length, 201,
                response, SampleCall.RESPONSE_BODY, SampleCall.RESPONSE_BODY.length, Optional.empty());
    }

    private ServletFakes.Request request() {
        return new ServletFakes.Request(SampleCall.METHOD, SampleCall.PATH, null, headers, SampleCall.REQUEST_BODY,
                SampleCall.PEER);
    }

    /** The service alone: the baseline. */
    @Benchmark
    public Object bare() throws IOException, ServletException {
        ServletFakes.Response response = new ServletFakes.Response();
        SERVICE.doFilter(request(), response);
        return response;
    }

    /** The service behind the audit filter. */
    @Benchmark
    public Object filtered() throws IOException, ServletException {
        ServletFakes.Response response = new ServletFakes.Response();
        filter.doFilter(request(), response, SERVICE);
        return response;
    }

    /**
     * The filter with an audit client whose sender has nothing to do (its "Cairn" is a socket that never answers: the
     * sender waits on its first request, and the queue of 1,024 is full at once, so each record is dropped by a
     * failed {@code offer}): the caller's cost without the sender thread and its endpoint taking CPU from the other
     * core, a control for {@code filtered}.
     */
    @Benchmark
    public Object filteredSenderIdle(Idle idle) throws IOException, ServletException {
        ServletFakes.Response response = new ServletFakes.Response();
        idle.filter.doFilter(request(), response, SERVICE);
        return response;
    }

    /** An audit filter whose client cannot send. */
    @State(Scope.Benchmark)
    public static class Idle {
        private java.net.ServerSocket silent;
        private AuditClient client;
        private AuditFilter filter;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            // Connections complete in the backlog; nothing ever reads them or answers.
            silent = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
            client = AuditClient.builder(java.net.URI.create("http://127.0.0.1:" + silent.getLocalPort()),
                            new Credentials("AKIABENCHFILTER00002", "benchbenchbenchbenchbenchbenchbenchbench"))
                    .overflow(AuditClient.Overflow.DROP).queueCapacity(1024).timeout(Duration.ofMinutes(10))
                    .shutdownHook(false).build();
            filter = new AuditFilter(recorder(), client);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            System.out.printf("%nidle audit client: %,d record(s) sent, %,d dropped%n", client.sent(),
                    client.dropped());
            silent.close();
            client.close();
        }
    }

    /** Making the record alone (identity, names, parameters, redaction, JSON). */
    @Benchmark
    public byte[] record() {
        return recorder.record(exchange);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        client.flush(Duration.ofSeconds(60));
        System.out.printf("%naudit client: %,d record(s) sent in %,d batch(es), %,d dropped (queue full)%n",
                client.sent(), endpoint.batches(), client.dropped());
        client.close();
        endpoint.close();
    }

    /** Runs the benchmarks, then prints p50/p99 of each and what the filter adds. */
    public static void main(String[] args) throws RunnerException {
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include(FilterBenchmark.class.getName() + "\\.").build()).run();
        Map<String, Statistics> byName = new LinkedHashMap<>();
        for (RunResult result : results) {
            String label = result.getParams().getBenchmark();
            byName.put(label.substring(label.lastIndexOf('.') + 1), result.getPrimaryResult().getStatistics());
        }
        System.out.println();
        System.out.println("µs per call                p50      p90      p99    p99.9     mean");
        for (Map.Entry<String, Statistics> entry : byName.entrySet()) {
            Statistics s = entry.getValue();
            System.out.printf("%-20s %8.2f %8.2f %8.2f %8.2f %8.2f%n", entry.getKey(), s.getPercentile(50),
                    s.getPercentile(90), s.getPercentile(99), s.getPercentile(99.9), s.getMean());
        }
        Statistics bare = byName.get("bare");
        for (String name : List.of("filtered", "filteredSenderIdle")) {
            Statistics with = byName.get(name);
            if (bare != null && with != null) {
                System.out.printf("%s - bare: p50 %.2f µs, p99 %.2f µs (target: p50 <= 10 µs)%n", name,
                        with.getPercentile(50) - bare.getPercentile(50),
                        with.getPercentile(99) - bare.getPercentile(99));
            }
        }
    }
}
