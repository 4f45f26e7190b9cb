package cairn.bench.console;

import cairn.bench.http.LoopbackHttp;
import cairn.bench.http.SigV4Signer;
import cairn.bench.lookup.HistoryStore;
import cairn.bench.events.SyntheticEvents;
import cairn.bench.server.CairnProcess;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The console's event history page on a big store, in the machine's Chromium: how long after a filter is applied
 * the first 50 events are on screen (the page's own marks: from the click on Apply to the paint of the frame holding
 * the rows), for filters by one attribute, two at once, and an attribute with an absolute time range; then paging
 * (50 more at a time) and the longest task that held the page's main thread meanwhile (Chromium's long-task
 * timing). Side by side: the same first page of a one-attribute filter through the AWS CLI
 * ({@code aws cloudtrail lookup-events --max-results 50 --no-paginate}), from the start of the command to its output.
 *
 * <pre>
 * $J -cp cairn-bench/target/cairn-bench.jar cairn.bench.console.HistoryPageLoad --store /tmp/cairn-bench-10m \
 *     --events 10000000 --changes 24 --rounds 3 --pages 20 --cli 8
 * </pre>
 */
public final class HistoryPageLoad {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PASSWORD = "benchmark console password";
    private static final DateTimeFormatter LOCAL_INPUT = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm");
    private static final String[] ATTRIBUTES = {"EventName", "Username", "EventSource", "ResourceName",
        "AccessKeyId"};
    private static final List<String> FLAGS = List.of("--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
            "--disable-quic", "--disable-dev-shm-usage");

    private HistoryPageLoad() {
    }

    /** One filter change: its attributes (key, value) and, optionally, an absolute range in epoch seconds. */
    private record Change(String kind, List<String[]> attributes, long start, long end) {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>(Map.of("--store", "/tmp/cairn-bench-10m",
                "--events", "10000000", "--changes", "24", "--rounds", "3", "--pages", "20", "--cli", "8",
                "--chromium", "/usr/bin/chromium"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i], args[i + 1]);
        }
        long events = Long.parseLong(options.get("--events"));
        Path data = HistoryStore.ensure(Path.of(options.get("--store")), events);
        int rounds = Integer.parseInt(options.get("--rounds"));
        int changes = Integer.parseInt(options.get("--changes"));
        int pages = Integer.parseInt(options.get("--pages"));
        System.out.printf("store: %,d events in %s%n", events, data);
        try (CairnProcess cairn = CairnProcess.start(System.getProperty("java.class.path"), "cairn.server.Main",
                data, "1g", List.of(), List.of("console.initial-password=" + PASSWORD));
             Playwright playwright = Playwright.create(new Playwright.CreateOptions()
                     .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
             Browser browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
                     .setExecutablePath(Path.of(options.get("--chromium"))).setHeadless(true).setArgs(FLAGS))) {
            // The events are the benchmark account's; its auditor signs in to the console.
            ConsoleSignIn.setPassword(data, "bench-auditor", PASSWORD);
            Map<String, List<String>> pools = values(cairn.port(), cairn.auditor(), 400, 7);
            String console = "http://127.0.0.1:" + cairn.consolePort() + "/";
            List<Double> cli = cliBaseline(cairn.port(), cairn.auditor(), pools,
                    Integer.parseInt(options.get("--cli")));
            for (int round = 1; round <= rounds; round++) {
                Page page = browser.newPage(new Browser.NewPageOptions().setViewportSize(1366, 860));
                page.setDefaultTimeout(60_000);
                signIn(page, console);
                page.navigate(console + "#/history");
                page.locator("#events-table[data-state=ready]").waitFor();
                page.evaluate("() => { window.cairnLongTasks = []; new PerformanceObserver(list => list.getEntries()"
                        + ".forEach(e => window.cairnLongTasks.push(e.duration))).observe({type: 'longtask'}); }");
                SplittableRandom random = new SplittableRandom(round);
                Map<String, List<Double>> firstPage = new LinkedHashMap<>();
                for (int i = 0; i < changes; i++) {
                    Change change = change(i, pools, random);
                    double millis = apply(page, change);
                    firstPage.computeIfAbsent(change.kind(), ignored -> new ArrayList<>()).add(millis);
                }
                List<Double> paging = page(page, pools, pages);
                List<Double> longTasks = new ArrayList<>();
                for (Object duration : (List<?>) page.evaluate("() => window.cairnLongTasks")) {
                    longTasks.add(((Number) duration).doubleValue());
                }
                List<Double> all = firstPage.values().stream().flatMap(List::stream).toList();
                System.out.printf(Locale.ROOT, "round %d: first 50 events after a filter change: median %.1f ms, "
                        + "p90 %.1f, max %.1f (%d changes)%n", round, percentile(all, 0.5), percentile(all, 0.9),
                        percentile(all, 1.0), all.size());
                firstPage.forEach((kind, values) -> System.out.printf(Locale.ROOT,
                        "  %-28s median %6.1f ms  max %6.1f ms  (%d)%n", kind, percentile(values, 0.5),
                        percentile(values, 1.0), values.size()));
                System.out.printf(Locale.ROOT, "  paging, 50 more events per page: median %.1f ms, max %.1f "
                        + "(%d pages, %d rows)%n", percentile(paging, 0.5), percentile(paging, 1.0), paging.size(),
                        page.locator("#events-table tbody tr.event-row").count());
                System.out.printf(Locale.ROOT, "  main-thread tasks over 50 ms meanwhile: %d, longest %.0f ms%n",
                        longTasks.size(), longTasks.isEmpty() ? 0.0 : percentile(longTasks, 1.0));
                page.close();
            }
            System.out.printf(Locale.ROOT, "AWS CLI lookup-events, one attribute, first 50: median %.0f ms, min %.0f,"
                    + " max %.0f (%d runs)%n", percentile(cli, 0.5), percentile(cli, 0.0), percentile(cli, 1.0),
                    cli.size());
        }
    }

    private static void signIn(Page page, String console) {
        page.navigate(console);
        page.locator("#signin-form").waitFor();
        page.fill("#signin-account", SyntheticEvents.ACCOUNT);
        page.fill("#signin-username", "bench-auditor");
        page.fill("#signin-password", PASSWORD);
        page.click("#signin-submit");
        page.locator("#dashboard").waitFor();
    }

    private static Change change(int i, Map<String, List<String>> pools, SplittableRandom random) {
        String first = ATTRIBUTES[i % ATTRIBUTES.length];
        String[] one = {first, pick(pools.get(first), random)};
        return switch (i % 3) {
            case 0 -> new Change("one attribute", List.<String[]>of(one), 0, 0);
            case 1 -> {
                String[] two = {"Username", pick(pools.get("Username"), random)};
                String[] other = first.equals("Username") ? new String[] {"EventSource",
                    pick(pools.get("EventSource"), random)} : one;
                yield new Change("two attributes", List.of(other, two), 0, 0);
            }
            default -> {
                long end = Instant.now().getEpochSecond() - random.nextLong(20L * 86_400);
                yield new Change("attribute and a 1-day range", List.<String[]>of(one), end - 86_400, end);
            }
        };
    }

    private static String pick(List<String> pool, SplittableRandom random) {
        return pool.get(random.nextInt(pool.size()));
    }

    /** Sets the filter in the page's controls, clicks Apply, and returns the page's own time to the painted rows. */
    private static double apply(Page page, Change change) {
        while (page.locator("#filters .filter-row").count() > change.attributes().size()) {
            page.locator("#filters .filter-row").last().locator("button.remove-filter").click();
        }
        for (int row = 0; row < change.attributes().size(); row++) {
            while (page.locator("#filters .filter-row").count() <= row) {
                page.click("#add-filter");
            }
            page.locator("#filters .filter-row").nth(row).locator("select.filter-key")
                    .selectOption(change.attributes().get(row)[0]);
            page.locator("#filters .filter-row").nth(row).locator("input.filter-value")
                    .fill(change.attributes().get(row)[1]);
        }
        if (change.end() > 0) {
            page.selectOption("#time-range", "absolute");
            page.fill("#time-start", LocalDateTime.ofInstant(Instant.ofEpochSecond(change.start()), ZoneOffset.UTC)
                    .format(LOCAL_INPUT));
            page.fill("#time-end", LocalDateTime.ofInstant(Instant.ofEpochSecond(change.end()), ZoneOffset.UTC)
                    .format(LOCAL_INPUT));
        } else {
            page.selectOption("#time-range", "");
        }
        Object before = page.evaluate("() => window.cairnHistoryRender ? window.cairnHistoryRender.startedAt : -1");
        page.click("#apply-filter");
        page.waitForFunction("b => window.cairnHistoryRender && window.cairnHistoryRender.startedAt !== b"
                + " && window.cairnHistoryRender.paintedAt !== undefined", before);
        Object millis = page.evaluate("() => window.cairnHistoryRender.paintedAt - window.cairnHistoryRender"
                + ".startedAt");
        return ((Number) millis).doubleValue();
    }

    /** Applies the busiest filter (no attribute), then loads {@code pages} more pages; each page's time. */
    private static List<Double> page(Page page, Map<String, List<String>> pools, int pages) {
        while (page.locator("#filters .filter-row").count() > 1) {
            page.locator("#filters .filter-row").last().locator("button.remove-filter").click();
        }
        page.locator("#filters .filter-row").first().locator("input.filter-value").fill("");
        page.selectOption("#time-range", "");
        Object before = page.evaluate("() => window.cairnHistoryRender.startedAt");
        page.click("#apply-filter");
        page.waitForFunction("b => window.cairnHistoryRender.startedAt !== b"
                + " && window.cairnHistoryRender.paintedAt !== undefined", before);
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < pages; i++) {
            int rows = page.locator("#events-table tbody tr.event-row").count();
            long started = System.nanoTime();
            page.evaluate("() => document.querySelector('#load-more').click()");
            try {
                page.waitForFunction("n => document.querySelectorAll('#events-table tbody tr.event-row').length > n",
                        rows);
            } catch (com.microsoft.playwright.PlaywrightException e) {
                throw new IllegalStateException("no more rows after " + rows + "; the page: " + page.evaluate(
                        "() => JSON.stringify({hash: location.hash, status: document.querySelector("
                        + "'#history-status').textContent, error: document.querySelector('#history-error')"
                        + ".textContent, more: document.querySelector('#load-more').outerHTML, rows: document"
                        + ".querySelectorAll('#events-table tbody tr').length})"), e);
            }
            times.add((System.nanoTime() - started) / 1e6);
            page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)");
        }
        return times;
    }

    /** Values of each attribute, read from the store through LookupEvents at random times. */
    static Map<String, List<String>> values(int port, SigV4Signer.Credentials auditor, int perAttribute, long seed)
            throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        long end = System.currentTimeMillis() / 1000;
        long start = end - HistoryStore.SPAN.toSeconds();
        Map<String, List<String>> pools = new LinkedHashMap<>();
        for (String attribute : ATTRIBUTES) {
            pools.put(attribute, new ArrayList<>());
        }
        try (LoopbackHttp http = new LoopbackHttp("127.0.0.1", port, auditor)) {
            while (pools.values().stream().mapToInt(List::size).min().orElse(0) < perAttribute) {
                long from = start + random.nextLong(end - start);
                String body = "{\"StartTime\":" + from + ",\"EndTime\":" + (from + 600) + ",\"MaxResults\":50}";
                JsonNode page = JSON.readTree(http.post("/", LoopbackHttp.LOOKUP_EVENTS_HEADERS,
                        body.getBytes(StandardCharsets.UTF_8)).body());
                for (JsonNode event : page.path("Events")) {
                    for (String attribute : ATTRIBUTES) {
                        JsonNode value = attribute.equals("ResourceName")
                                ? event.path("Resources").path(0).path("ResourceName") : event.path(attribute);
                        if (value.isTextual() && random.nextInt(5) == 0) {
                            pools.get(attribute).add(value.asText());
                        }
                    }
                }
            }
        }
        return pools;
    }

    /** The AWS CLI asking for the first 50 events of one-attribute filters: the wall time of each run. */
    private static List<Double> cliBaseline(int port, SigV4Signer.Credentials auditor,
                                            Map<String, List<String>> pools, int runs)
            throws IOException, InterruptedException {
        SplittableRandom random = new SplittableRandom(99);
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            String attribute = ATTRIBUTES[i % ATTRIBUTES.length];
            ProcessBuilder builder = new ProcessBuilder("aws", "cloudtrail", "lookup-events", "--endpoint-url",
                    "http://127.0.0.1:" + port, "--region", "us-east-1", "--max-results", "50", "--no-paginate",
                    "--lookup-attributes", "AttributeKey=" + attribute + ",AttributeValue="
                    + pick(pools.get(attribute), random), "--output", "json");
            builder.environment().put("AWS_ACCESS_KEY_ID", auditor.accessKeyId());
            builder.environment().put("AWS_SECRET_ACCESS_KEY", auditor.secretAccessKey());
            builder.redirectErrorStream(true);
            long started = System.nanoTime();
            Process process = builder.start();
            byte[] output = process.getInputStream().readAllBytes();
            if (process.waitFor() != 0) {
                throw new IOException("aws failed: " + new String(output, StandardCharsets.UTF_8));
            }
            times.add((System.nanoTime() - started) / 1e6);
        }
        return times;
    }

    static double percentile(List<Double> values, double fraction) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(fraction * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
