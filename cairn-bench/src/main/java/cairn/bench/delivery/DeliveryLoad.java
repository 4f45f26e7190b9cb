package cairn.bench.delivery;

import cairn.bench.events.SyntheticEvents;
import cairn.bench.http.LoopbackHttp;
import cairn.bench.measure.Medians;
import cairn.bench.server.CairnProcess;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Log file delivery under full ingest load. Each measurement starts a fresh Cairn in a child JVM with one multi-region
 * trail that takes every management event, runs closed-loop clients sending batches of ~1.2 KB synthetic events
 * ({@code POST /records}) for a warm-up and a measured period, stops, and waits until the trail has delivered
 * everything. Then it reads every delivered file and reports: the ingest rate; the delivery rate (events in files
 * written during the measured period, per second); the event-to-object latency per event (the file's modification
 * time minus the time the event's batch was acknowledged), p50/p99/max; the compression ratio. In the same run, as
 * baselines: the same ingest with no trail (what delivery costs ingest), and the {@code gzip} command compressing the
 * delivered JSON at the same level on one core.
 *
 * <p>Run (builds the jar, then about 2 minutes per level and round):
 * <pre>
 * mvn -B -q -DskipTests -pl cairn-bench -am package
 * $JAVA_HOME/bin/java -Xmx2g -cp cairn-bench/target/cairn-bench.jar cairn.bench.delivery.DeliveryLoad \
 *     --clients 4 --seconds 30 --warm-up 5 --interval 2s --levels 1,6 --rounds 3
 * </pre>
 */
public final class DeliveryLoad {
    private static final String TRAIL_HEADERS = "Content-Type: application/x-amz-json-1.1\r\n"
            + "X-Amz-Target: com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.";
    private static final String BUCKET = "bench-logs";
    private static final byte[] EVENT_ID = "\"eventID\":\"".getBytes(StandardCharsets.US_ASCII);

    private DeliveryLoad() {
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        System.out.printf("machine: %d cores, JDK %s, %d client(s), batch %d events, %.0f s warm-up + %.0f s "
                        + "measured, interval %s, %d round(s)%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), options.clients, options.batchSize, options.warmUpSeconds,
                options.measureSeconds, options.interval, options.rounds);
        Medians medians = new Medians();
        for (int round = 1; round <= options.rounds; round++) {
            Result alone = run(options, round, 0, false);
            System.out.println("round " + round + " no trail    " + alone);
            medians.add("no trail ingest events/s", alone.ingestPerSecond);
            for (int level : options.levels) {
                Result result = run(options, round, level, true);
                System.out.println("round " + round + " gzip " + level + "      " + result);
                String prefix = "level " + level + " ";
                medians.add(prefix + "ingest events/s", result.ingestPerSecond);
                medians.add(prefix + "delivered events/s", result.deliveredPerSecond);
                medians.add(prefix + "latency p50 ms", result.p50);
                medians.add(prefix + "latency p99 ms", result.p99);
                medians.add(prefix + "latency max ms", result.max);
                medians.add(prefix + "compression ratio", result.ratio);
                medians.add(prefix + "gzip command events/s (1 core)", result.gzipCommandPerSecond);
                medians.add(prefix + "ingest with trail / without", result.ingestPerSecond / alone.ingestPerSecond);
                if (result.uploadCeiling > 0) {
                    medians.add(prefix + "aws s3 cp of the same files, events/s", result.uploadCeiling);
                }
            }
        }
        System.out.println();
        System.out.println("medians over " + options.rounds + " round(s):");
        System.out.print(medians.report());
    }

    /** One acknowledged batch: its first serial, its size, when its acknowledgement arrived (epoch ms). */
    private record Acked(long firstSerial, int size, long atMillis) {
    }

    private record Result(double ingestPerSecond, double deliveredPerSecond, double p50, double p99, double max,
                          double ratio, double gzipCommandPerSecond, double uploadCeiling, long files, long missing) {
        @Override
        public String toString() {
            if (files == 0) {
                return String.format("ingest %,.0f events/s", ingestPerSecond);
            }
            return String.format("ingest %,.0f events/s, delivered %,.0f events/s in %d files, latency p50 %.0f ms"
                            + " p99 %.0f ms max %.0f ms, compression %.1fx, gzip command %,.0f events/s, "
                            + "%d acknowledged events not delivered%s", ingestPerSecond, deliveredPerSecond, files,
                    p50, p99, max, ratio, gzipCommandPerSecond, missing, uploadCeiling > 0
                            ? String.format(", aws s3 cp of the same files %,.0f events/s", uploadCeiling) : "");
        }
    }

    private static Result run(Options options, int round, int level, boolean trail) throws Exception {
        Path data = Files.createTempDirectory("cairn-bench-delivery");
        List<String> settings = new ArrayList<>(List.of("delivery.interval=" + options.interval,
                "delivery.create-buckets=true"));
        if (level > 0) {
            settings.add("delivery.gzip-level=" + level);
        }
        Moto moto = options.moto && trail ? Moto.start(BUCKET) : null;
        if (moto != null) {
            settings.addAll(List.of("s3.connections=moto", "s3.moto.endpoint=" + moto.endpoint(),
                    "s3.moto.access-key-id=testing", "s3.moto.secret-access-key=testing", "s3.moto.buckets=" + BUCKET));
        }
        try (CairnProcess cairn = CairnProcess.start(System.getProperty("java.class.path"), "cairn.server.Main", data,
                options.serverHeap, List.of(), settings); Moto ignored = moto) {
            if (trail) {
                try (LoopbackHttp admin = new LoopbackHttp("127.0.0.1", cairn.port(), cairn.admin())) {
                    call(admin, "CreateTrail", "{\"Name\":\"everything\",\"S3BucketName\":\"" + BUCKET
                            + "\",\"IsMultiRegionTrail\":true}");
                    call(admin, "StartLogging", "{\"Name\":\"everything\"}");
                }
            }
            List<List<Acked>> acked = new ArrayList<>();
            long[] window = drive(options, cairn, round, acked);
            long ackedEvents = 0;
            long inWindow = 0;
            for (List<Acked> list : acked) {
                for (Acked batch : list) {
                    ackedEvents += batch.size();
                    if (batch.atMillis() >= window[0] && batch.atMillis() < window[1]) {
                        inWindow += batch.size();
                    }
                }
            }
            double seconds = (window[1] - window[0]) / 1000.0;
            if (!trail) {
                return new Result(inWindow / seconds, 0, 0, 0, 0, 0, 0, 0, 0, 0);
            }
            if (moto != null) {
                waitForDelivery(moto::count, options);
                List<DeliveredFile> files = moto.files();
                double ceiling = moto.awsS3CopyEventsPerSecond(files, data);
                return analyse(files, acked, window, inWindow / seconds, level, ceiling);
            }
            Path bucket = data.resolve("buckets").resolve(BUCKET);
            waitForDelivery(() -> countFiles(bucket), options);
            List<DeliveredFile> files = new ArrayList<>();
            try (Stream<Path> walk = Files.walk(bucket)) {
                for (Path file : walk.filter(path -> path.toString().endsWith(".json.gz")).sorted().toList()) {
                    files.add(new DeliveredFile(Files.getLastModifiedTime(file).toMillis(), Files.readAllBytes(file)));
                }
            }
            return analyse(files, acked, window, inWindow / seconds, level, 0);
        } finally {
            deleteTree(data);
        }
    }

    private static void call(LoopbackHttp http, String operation, String body) throws IOException {
        LoopbackHttp.Response response = http.post("/", TRAIL_HEADERS + operation + "\r\n",
                body.getBytes(StandardCharsets.UTF_8));
        if (response.status() != 200) {
            throw new IOException(operation + " failed: " + response.status() + " " + response.text());
        }
    }

    /** Runs the clients; returns the measured window {start, end} in epoch ms. */
    private static long[] drive(Options options, CairnProcess cairn, int round, List<List<Acked>> acked)
            throws InterruptedException {
        AtomicLong serials = new AtomicLong(1L << 20);
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch done = new CountDownLatch(options.clients);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < options.clients; c++) {
            List<Acked> mine = new ArrayList<>();
            acked.add(mine);
            SyntheticEvents events = new SyntheticEvents(round * 1000L + c);
            List<SyntheticEvents.Batch> pool = new ArrayList<>();
            for (int b = 0; b < 64; b++) {
                pool.add(events.batch(options.batchSize, System.currentTimeMillis() / 1000, 0));
            }
            Thread thread = new Thread(() -> {
                try (LoopbackHttp http = new LoopbackHttp("127.0.0.1", cairn.port(), cairn.writer())) {
                    for (int call = 0; !stop.get(); call++) {
                        SyntheticEvents.Batch batch = pool.get(call % pool.size());
                        long first = serials.getAndAdd(batch.events().size());
                        batch.restamp(System.currentTimeMillis() / 1000, first);
                        LoopbackHttp.Response response = http.post("/records", LoopbackHttp.RECORDS_HEADERS,
                                batch.body());
                        if (response.status() != 200) {
                            throw new IOException("ingest failed: " + response.status() + " " + response.text());
                        }
                        mine.add(new Acked(first, batch.events().size(), System.currentTimeMillis()));
                    }
                } catch (IOException e) {
                    e.printStackTrace();
                } finally {
                    done.countDown();
                }
            }, "client-" + c);
            threads.add(thread);
            thread.start();
        }
        Thread.sleep((long) (options.warmUpSeconds * 1000));
        long start = System.currentTimeMillis();
        Thread.sleep((long) (options.measureSeconds * 1000));
        long end = System.currentTimeMillis();
        stop.set(true);
        done.await();
        return new long[]{start, end};
    }

    /** A delivered file: when it became visible (epoch ms) and its bytes. */
    record DeliveredFile(long writtenMillis, byte[] gzip) {
    }

    /** Counts the delivered files. */
    interface FileCount {
        long get() throws Exception;
    }

    /** Waits until no new file has appeared for two intervals (and 2 s), or a minute passed. */
    private static void waitForDelivery(FileCount count, Options options) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000 + options.intervalMillis() * 3;
        long seen = -1;
        long stableSince = System.currentTimeMillis();
        while (System.currentTimeMillis() < deadline) {
            long files = count.get();
            if (files != seen) {
                seen = files;
                stableSince = System.currentTimeMillis();
            } else if (System.currentTimeMillis() - stableSince > options.intervalMillis() * 2 + 2000) {
                return;
            }
            Thread.sleep(200);
        }
    }

    private static long countFiles(Path bucket) throws IOException {
        if (!Files.isDirectory(bucket)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(bucket)) {
            return files.filter(file -> file.toString().endsWith(".json.gz")).count();
        }
    }

    private static Result analyse(List<DeliveredFile> files, List<List<Acked>> acked, long[] window,
                                  double ingestPerSecond, int level, double uploadCeiling) throws Exception {
        List<Acked> batches = new ArrayList<>();
        acked.forEach(batches::addAll);
        batches.sort(Comparator.comparingLong(Acked::firstSerial));
        long[] firsts = batches.stream().mapToLong(Acked::firstSerial).toArray();
        long ackedTotal = batches.stream().mapToLong(Acked::size).sum();
        long[] latencies = new long[(int) ackedTotal];
        int measured = 0;
        long delivered = 0;
        long deliveredInWindow = 0;
        long compressed = 0;
        long uncompressed = 0;
        ByteArrayOutputStream sample = new ByteArrayOutputStream();
        for (DeliveredFile file : files) {
            long written = file.writtenMillis();
            byte[] gzip = file.gzip();
            byte[] json;
            try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(gzip))) {
                json = in.readAllBytes();
            }
            compressed += gzip.length;
            uncompressed += json.length;
            if (sample.size() < (256 << 20)) {
                sample.write(json);
            }
            for (int at = indexOf(json, EVENT_ID, 0); at >= 0; at = indexOf(json, EVENT_ID, at + 1)) {
                int idStart = at + EVENT_ID.length;
                if (idStart + 36 > json.length || json[idStart + 36] != '"') {
                    continue;
                }
                long serial = Long.parseLong(new String(json, idStart + 24, 12, StandardCharsets.US_ASCII), 16);
                int index = Arrays.binarySearch(firsts, serial);
                if (index < 0) {
                    index = -index - 2;
                }
                if (index < 0 || serial >= firsts[index] + batches.get(index).size()) {
                    continue; // one of Cairn's own events
                }
                Acked batch = batches.get(index);
                delivered++;
                if (written >= window[0] && written < window[1]) {
                    deliveredInWindow++;
                }
                if (batch.atMillis() >= window[0] && batch.atMillis() < window[1]) {
                    latencies[measured++] = written - batch.atMillis();
                }
            }
        }
        long[] sorted = Arrays.copyOf(latencies, measured);
        Arrays.sort(sorted);
        double seconds = (window[1] - window[0]) / 1000.0;
        double gzipCommand = gzipCommand(sample.toByteArray(), level, uncompressed / (double) Math.max(1, delivered));
        return new Result(ingestPerSecond, deliveredInWindow / seconds, percentile(sorted, 0.50),
                percentile(sorted, 0.99), sorted.length == 0 ? 0 : sorted[sorted.length - 1],
                uncompressed / (double) Math.max(1, compressed), gzipCommand, uploadCeiling, files.size(),
                ackedTotal - delivered);
    }

    /** Events per second the {@code gzip} command compresses at {@code level}, one core, from memory to nowhere. */
    private static double gzipCommand(byte[] json, int level, double bytesPerEvent) throws Exception {
        Process gzip = new ProcessBuilder("gzip", "-" + level, "-c").redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        long started = System.nanoTime();
        try (OutputStream in = gzip.getOutputStream()) {
            in.write(json);
        }
        gzip.waitFor();
        double seconds = (System.nanoTime() - started) / 1e9;
        return json.length / bytesPerEvent / seconds;
    }

    private static double percentile(long[] sorted, double fraction) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(fraction * sorted.length) - 1)];
    }

    private static int indexOf(byte[] data, byte[] pattern, int from) {
        outer:
        for (int i = from; i <= data.length - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    private static final class Options {
        int clients = 4;
        int batchSize = 100;
        double warmUpSeconds = 5;
        double measureSeconds = 30;
        String interval = "2s";
        int[] levels = {1, 6};
        int rounds = 3;
        String serverHeap = "2g";
        boolean moto;

        long intervalMillis() {
            String number = interval.replaceAll("[a-z]+$", "");
            return interval.endsWith("ms") ? Long.parseLong(number) : interval.endsWith("m")
                    ? Long.parseLong(number) * 60_000 : Long.parseLong(number) * 1000;
        }

        static Options parse(String[] args) {
            Options options = new Options();
            for (int i = 0; i < args.length; i++) {
                String value = i + 1 < args.length ? args[i + 1] : "";
                switch (args[i]) {
                    case "--clients" -> options.clients = Integer.parseInt(value);
                    case "--batch" -> options.batchSize = Integer.parseInt(value);
                    case "--warm-up" -> options.warmUpSeconds = Double.parseDouble(value);
                    case "--seconds" -> options.measureSeconds = Double.parseDouble(value);
                    case "--interval" -> options.interval = value;
                    case "--levels" -> options.levels = Arrays.stream(value.split(",")).mapToInt(Integer::parseInt)
                            .toArray();
                    case "--rounds" -> options.rounds = Integer.parseInt(value);
                    case "--server-heap" -> options.serverHeap = value;
                    case "--store" -> {
                        if (!value.equals("local") && !value.equals("moto")) {
                            throw new IllegalArgumentException("--store takes local or moto, not " + value);
                        }
                        options.moto = value.equals("moto");
                    }
                    default -> throw new IllegalArgumentException("unknown option " + args[i] + "; options: "
                            + "--clients N --batch N --warm-up S --seconds S --interval 2s --levels 1,6 --rounds N "
                            + "--server-heap 2g --store local|moto");
                }
                i++;
            }
            return options;
        }
    }
}
