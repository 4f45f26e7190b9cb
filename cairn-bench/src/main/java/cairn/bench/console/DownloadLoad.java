package cairn.bench.console;

import cairn.bench.events.SyntheticEvents;
import cairn.bench.lookup.HistoryStore;
import cairn.bench.server.CairnProcess;

import java.io.IOException;
import java.io.InputStream;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The console's downloads of a big filter, from a server whose heap is far smaller than the download
 * ({@code -Xmx128m} against ~1.2 GB of JSON): every event is written as it is read, none held. Reports the events,
 * bytes, time and rate of CSV and JSON downloads of the events of a span of days, and the server's heap after a full
 * GC. Side by side: the AWS CLI paging through {@code lookup-events} (50 a call) for a number of events, as the rate
 * at which a client of the API alone could fetch the same.
 *
 * <pre>
 * $J -cp cairn-bench/target/cairn-bench.jar cairn.bench.console.DownloadLoad --store /tmp/cairn-bench-10m \
 *     --events 10000000 --days 3 --rounds 3 --cli-events 5000
 * </pre>
 */
public final class DownloadLoad {
    private static final String PASSWORD = "benchmark console password";

    private DownloadLoad() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>(Map.of("--store", "/tmp/cairn-bench-10m",
                "--events", "10000000", "--days", "3", "--rounds", "3", "--cli-events", "5000", "--heap", "128m"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i], args[i + 1]);
        }
        Path data = HistoryStore.ensure(Path.of(options.get("--store")), Long.parseLong(options.get("--events")));
        ConsoleSignIn.setPassword(data, "bench-auditor", PASSWORD);
        long end = System.currentTimeMillis() / 1000 - 86_400;
        long start = end - Long.parseLong(options.get("--days")) * 86_400;
        try (CairnProcess cairn = CairnProcess.start(System.getProperty("java.class.path"), "cairn.server.Main",
                data, options.get("--heap"), List.of(), List.of())) {
            URI console = URI.create("http://127.0.0.1:" + cairn.consolePort() + "/");
            HttpClient http = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
            HttpResponse<String> signIn = http.send(HttpRequest.newBuilder(console.resolve("/console/signin"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"account\":\"" + SyntheticEvents.ACCOUNT
                            + "\",\"username\":\"bench-auditor\",\"password\":\"" + PASSWORD + "\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (signIn.statusCode() != 200) {
                throw new IOException("sign-in failed: " + signIn.body());
            }
            System.out.printf("server heap -Xmx%s; events of %s days (%d..%d)%n", options.get("--heap"),
                    options.get("--days"), start, end);
            for (int round = 1; round <= Integer.parseInt(options.get("--rounds")); round++) {
                for (String format : List.of("csv", "json")) {
                    long started = System.nanoTime();
                    HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(console.resolve(
                            "/console/download?format=" + format + "&start=" + start + "&end=" + end)).build(),
                            HttpResponse.BodyHandlers.ofInputStream());
                    if (response.statusCode() != 200) {
                        throw new IOException("the " + format + " download failed: status " + response.statusCode()
                                + ": " + new String(response.body().readAllBytes(), StandardCharsets.UTF_8));
                    }
                    long[] counted = count(response.body(), format);
                    double seconds = (System.nanoTime() - started) / 1e9;
                    System.out.printf(Locale.ROOT, "round %d %-4s: status %d, %,d events, %,.1f MB in %.1f s: "
                            + "%,.0f events/s, %.1f MB/s%n", round, format, response.statusCode(), counted[1],
                            counted[0] / 1e6, seconds, counted[1] / seconds, counted[0] / 1e6 / seconds);
                }
            }
            System.out.printf(Locale.ROOT, "server heap after a full GC: %.1f MB%n",
                    cairn.heapUsedAfterFullGc() / 1e6);
            System.out.printf(Locale.ROOT, "AWS CLI lookup-events paging, %s events: %s%n",
                    options.get("--cli-events"), cli(cairn, start, end,
                            Integer.parseInt(options.get("--cli-events"))));
        }
    }

    /** Bytes and events of a download: CSV lines less the header, or records (each has one "eventVersion"). */
    private static long[] count(InputStream in, String format) throws IOException {
        byte[] buffer = new byte[1 << 16];
        long bytes = 0;
        long events = 0;
        byte[] marker = "\"eventVersion\"".getBytes(StandardCharsets.US_ASCII);
        int matched = 0;
        try (in) {
            for (int read; (read = in.read(buffer)) > 0; ) {
                bytes += read;
                for (int i = 0; i < read; i++) {
                    byte b = buffer[i];
                    if (format.equals("csv")) {
                        if (b == '\n') {
                            events++;
                        }
                    } else {
                        matched = b == marker[matched] ? matched + 1 : b == marker[0] ? 1 : 0;
                        if (matched == marker.length) {
                            events++;
                            matched = 0;
                        }
                    }
                }
            }
        }
        return new long[] {bytes, format.equals("csv") ? events - 1 : events};
    }

    /** The AWS CLI fetching {@code events} events of the range, 50 a call: the time and the rate. */
    private static String cli(CairnProcess cairn, long start, long end, int events)
            throws IOException, InterruptedException {
        if (events <= 0) {
            return "not run";
        }
        ProcessBuilder builder = new ProcessBuilder("aws", "cloudtrail", "lookup-events", "--endpoint-url",
                "http://127.0.0.1:" + cairn.port(), "--region", "us-east-1", "--start-time", String.valueOf(start),
                "--end-time", String.valueOf(end), "--max-items", String.valueOf(events), "--page-size", "50",
                "--output", "json", "--query", "length(Events)");
        builder.environment().put("AWS_ACCESS_KEY_ID", cairn.auditor().accessKeyId());
        builder.environment().put("AWS_SECRET_ACCESS_KEY", cairn.auditor().secretAccessKey());
        builder.redirectErrorStream(true);
        long started = System.nanoTime();
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (process.waitFor() != 0) {
            throw new IOException("aws failed: " + output);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        List<String> parts = new ArrayList<>();
        parts.add(output + " events in " + String.format(Locale.ROOT, "%.1f s", seconds));
        parts.add(String.format(Locale.ROOT, "%,.0f events/s", Integer.parseInt(output) / seconds));
        return String.join(", ", parts);
    }
}
