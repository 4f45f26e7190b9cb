package cairn.bench.validate;

import cairn.bench.server.MotoServer;
import cairn.bench.events.SyntheticEvents;
import cairn.bench.http.LoopbackHttp;
import cairn.bench.http.SigV4Signer;
import cairn.bench.measure.Medians;
import cairn.bench.server.CairnProcess;
import cairn.delivery.objectstore.LocalObjectStore;
import cairn.delivery.objectstore.ObjectStore;
import cairn.delivery.objectstore.s3.S3ObjectStore;
import cairn.delivery.objectstore.s3.S3Settings;
import cairn.delivery.validation.LogValidator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * {@code cairn validate-logs} against the AWS CLI's {@code aws cloudtrail validate-logs} on the same files, side by
 * side in each round.
 *
 * <p>Setup, once: moto server as the S3 store, and a Cairn child JVM delivering to it ({@code delivery.interval=2s},
 * {@code delivery.digest-period=10s}, so that the chain has several digests). A trail with
 * {@code EnableLogFileValidation} logs while closed-loop clients send ~1.2 KB synthetic events until at least
 * {@code --gigabytes} GiB of log JSON has gone in; then StopLogging, and the bench waits until the chain's final digest
 * (the one without {@code cairnNextDigestTime}) is in the bucket. It downloads every digest and every log file the
 * digests list, checks each log file's SHA-256 against its digest, and writes them into a Cairn data folder
 * ({@code buckets/<bucket>/<key>}, digest metadata in {@code buckets/.metadata/<bucket>/<key>}), with the public keys
 * from {@code aws cloudtrail list-public-keys} in a file.
 *
 * <p>Each round then times, one after the other on the same files (MB = 10^6 bytes of uncompressed log):
 * <ol>
 *     <li>the AWS CLI, {@code aws cloudtrail validate-logs --endpoint-url <cairn>} with {@code AWS_ENDPOINT_URL_S3}
 *     set to moto (spec 3.9), the Cairn administrator's key in the environment (the real program behind a pyenv
 *     shim, so that the shim's start is not counted);</li>
 *     <li>{@code java -Xmx1g -jar cairn.jar validate-logs} (as the {@code cairn} script runs it) with the same
 *     arguments and {@code --s3-endpoint-url <moto>}, JVM start included;</li>
 *     <li>the same command on the local data folder ({@code --data --public-keys --s3-bucket}): no S3 server in the
 *     path;</li>
 *     <li>for where the time goes, in this JVM and warmed up (a pass before round 1): Cairn's engine
 *     ({@link LogValidator}) on the local folder with one checker per core and with one, and on moto through
 *     {@link S3ObjectStore} with one per core;</li>
 *     <li>the floor: {@link Inflater} + SHA-256 {@link MessageDigest} over the same gzip files held in memory, in
 *     this JVM, one thread (and one per core);</li>
 *     <li>how fast moto serves the same log objects to one SDK client thread per core in this JVM (GET only, nothing
 *     inflated), and the JVM start of {@code cairn.jar validate-logs --help}.</li>
 * </ol>
 * Each line shows the wall time, MB/s, MB/s per core, and the CPU time the measured work used: a child's is the growth
 * of this JVM's reaped children's CPU time ({@code /proc/self/stat} cutime + cstime), in-process work's is this JVM's.
 * Beside it, moto's and the Cairn server's CPU meanwhile, and "others": the machine's busy time ({@code /proc/stat})
 * less all of those, i.e. other processes on a shared machine. Each measurement first waits (up to 90 s) until the
 * machine is idle; a measurement during which other processes still used 0.15 cores or more is marked
 * {@code [SHARED]} and left out of the second set of medians ("clean measurements"; a ratio there needs both of its
 * runs clean). The validators must exit 0 and report every digest and every log file valid.
 *
 * <p>Run (2 to 5 minutes with the defaults on a 2-core machine; copy the jars first if the tree may be rebuilt
 * meanwhile):
 * <pre>
 * cd /work/main
 * JAVA_HOME=$(bin/find-jdk) mvn -B -q -o install -DskipTests
 * JAVA_HOME=$(bin/find-jdk) mvn -B -q -o clean install -DskipTests -pl cairn-bench
 * $(bin/find-jdk)/bin/java -Xmx2g -cp cairn-bench/target/cairn-bench.jar cairn.bench.validate.ValidateLoad \
 *     --gigabytes 1 --rounds 3 --cairn-jar cairn-cli/target/cairn.jar
 * </pre>
 * Other options: {@code --clients 4 --batch 100 --interval 2s --digest-period 10s --max-file-size 50MB} (smaller
 * files: more requests per GB) {@code --gzip-level 6 --threads N} (checkers, passed to {@code cairn validate-logs};
 * default one per core) {@code --cli-java-opts "-Xmx1g" --server-heap 2g --aws PATH --margin 1.0} (request bytes
 * sent per byte of log wanted) {@code --hold S} (keep moto, Cairn and the files S seconds after the rounds, to
 * profile by hand).
 */
public final class ValidateLoad {
    private static final String TRAIL_HEADERS = "Content-Type: application/x-amz-json-1.1\r\n"
            + "X-Amz-Target: com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.";
    private static final String BUCKET = "bench-logs";
    private static final String TRAIL = "validated";
    private static final String REGION = SyntheticEvents.REGION;
    private static final String DIGEST_FOLDER = "AWSLogs/" + SyntheticEvents.ACCOUNT + "/CloudTrail-Digest/" + REGION
            + "/";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How long a measurement waits for other processes to leave the machine idle before it starts anyway. */
    private static final Duration QUIET_WAIT = Duration.ofSeconds(90);
    private static final DateTimeFormatter CLI_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final Pattern LOG_SUMMARY = Pattern.compile("(\\d+)/(\\d+) log files valid(, (\\d+)/\\d+ log "
            + "files INVALID)?");
    private static final Pattern DIGEST_SUMMARY = Pattern.compile("(\\d+)/(\\d+) digest files valid");

    private ValidateLoad() {
    }

    /** A log file as delivered: its key, its gzip bytes, its uncompressed size, its SHA-256 from the digest. */
    private record LogFile(String key, byte[] gzip, long size, String sha256) {
    }

    /** What a validator printed and its exit code. */
    private record Output(int exit, String out, String err) {
        String summary() {
            List<String> parts = new ArrayList<>();
            Matcher digests = DIGEST_SUMMARY.matcher(out);
            if (digests.find()) {
                parts.add(digests.group());
            }
            Matcher logs = LOG_SUMMARY.matcher(out);
            if (logs.find()) {
                parts.add(logs.group());
            }
            return parts.isEmpty() ? "(no summary)" : String.join(", ", parts);
        }
    }

    /** One timed measurement: its wall time, the CPU used meanwhile, and the output of a validator (if it was one). */
    private record Measured(Usage usage, Optional<Output> output) {
        double seconds() {
            return usage.seconds();
        }
    }

    /** CPU counters at one moment, in seconds: the machine's, this JVM's, its reaped children's, moto's, Cairn's. */
    private record Snapshot(long nanos, double machine, double steal, double self, double children, double moto,
                            double server) {
    }

    /**
     * The CPU used between two snapshots: {@code measured} is what the measured work used (a child's, or this JVM's
     * for in-process work), {@code others} what the machine used besides it, moto and the Cairn server (other
     * processes on a shared machine).
     */
    private record Usage(double seconds, double measured, double moto, double server, double others, double steal) {
        /** Whether other processes left the machine alone: they used less than 0.15 cores on average. */
        boolean clean() {
            return others < 0.15 * seconds;
        }

        String describe(int cores) {
            return String.format("cpu %5.2f s (%.2f cores)  moto %5.2f s  server %4.2f s  others %4.2f s  steal %4.2f s"
                    + "%s", measured, measured / seconds, moto, server, others, steal, clean() ? ""
                    : String.format("  [SHARED: others used %.2f cores]", others / seconds));
        }
    }

    /** Reads the CPU counters. */
    private static final class Meter {
        private final long ticks;
        private final MotoStore moto;
        private final ProcessHandle server;

        Meter(long ticks, MotoStore moto, CairnProcess cairn) {
            this.ticks = ticks;
            this.moto = moto;
            this.server = ProcessHandle.of(cairn.pid()).orElseThrow();
        }

        Snapshot take() throws IOException {
            String[] cpu = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
            // cpu user nice system idle iowait irq softirq steal ...
            long busy = Long.parseLong(cpu[1]) + Long.parseLong(cpu[2]) + Long.parseLong(cpu[3])
                    + Long.parseLong(cpu[6]) + Long.parseLong(cpu[7]);
            long steal = cpu.length > 8 ? Long.parseLong(cpu[8]) : 0;
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            // fields[0] is field 3 (state): utime, stime, cutime, cstime are fields 14 to 17.
            double self = (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / (double) ticks;
            double children = (Long.parseLong(fields[13]) + Long.parseLong(fields[14])) / (double) ticks;
            return new Snapshot(System.nanoTime(), busy / (double) ticks, steal / (double) ticks, self, children,
                    moto.cpuSeconds(), cpuSeconds(server));
        }

        /**
         * Waits (at most {@code QUIET_WAIT}) until the machine is idle (under 0.1 cores busy for half a second: other
         * processes on a shared machine), then takes a snapshot.
         */
        Snapshot start() throws IOException {
            long deadline = System.nanoTime() + QUIET_WAIT.toNanos();
            while (true) {
                Snapshot first = take();
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
                Snapshot second = take();
                double cores = (second.machine() - first.machine()) / ((second.nanos() - first.nanos()) / 1e9);
                if (cores < 0.1 || System.nanoTime() > deadline) {
                    return take();
                }
            }
        }

        /** The usage from {@code before} to now; the measured work ran in a child when {@code child}. */
        Usage since(Snapshot before, boolean child) throws IOException {
            Snapshot after = take();
            double self = after.self() - before.self();
            double children = after.children() - before.children();
            double measured = child ? children : self;
            double moto = after.moto() - before.moto();
            double server = after.server() - before.server();
            double machine = after.machine() - before.machine();
            return new Usage((after.nanos() - before.nanos()) / 1e9, measured, moto, server,
                    Math.max(0, machine - self - children - moto - server), after.steal() - before.steal());
        }

        private static double cpuSeconds(ProcessHandle process) {
            return process.info().totalCpuDuration().map(duration -> duration.toNanos() / 1e9).orElse(0.0);
        }
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        int cores = Runtime.getRuntime().availableProcessors();
        long target = (long) (options.gigabytes * (1L << 30));
        System.out.printf("machine: %d cores (%s), JDK %s%n", cores, cpuModel(), System.getProperty("java.version"));
        System.out.printf("target %,d bytes of uncompressed log; %d client(s), batch %d, interval %s, digest period "
                        + "%s, max file size %s, gzip level %s; %d round(s)%n", target, options.clients,
                options.batchSize, options.interval, options.digestPeriod,
                options.maxFileSize == null ? "(default)" : options.maxFileSize,
                options.gzipLevel == null ? "(default)" : options.gzipLevel, options.rounds);
        Path jar = Path.of(options.cairnJar).toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IOException("no cairn command jar at " + jar + " (build cairn-cli, or pass --cairn-jar)");
        }
        String aws = resolveAws(options.aws);
        long ticks = clockTicks();
        Path work = Files.createTempDirectory("cairn-bench-validate");
        // Interrupted (Ctrl-C, kill): end the children this run started (moto, Cairn, a validator) with it.
        Thread reaper = new Thread(() -> ProcessHandle.current().children().forEach(ProcessHandle::destroy));
        Runtime.getRuntime().addShutdownHook(reaper);
        Path data = Files.createDirectories(work.resolve("server"));
        List<String> settings = new ArrayList<>(List.of("delivery.interval=" + options.interval,
                "delivery.digest-period=" + options.digestPeriod, "s3.connections=moto",
                "s3.moto.access-key-id=testing", "s3.moto.secret-access-key=testing", "s3.moto.buckets=" + BUCKET));
        if (options.maxFileSize != null) {
            settings.add("delivery.max-file-size=" + options.maxFileSize);
        }
        if (options.gzipLevel != null) {
            settings.add("delivery.gzip-level=" + options.gzipLevel);
        }
        try (MotoStore moto = MotoStore.start(BUCKET)) {
            settings.add("s3.moto.endpoint=" + moto.endpoint());
            try (CairnProcess cairn = CairnProcess.start(System.getProperty("java.class.path"), "cairn.server.Main",
                    data, options.serverHeap, List.of(), settings)) {
                measure(options, cores, target, jar, aws, new Meter(ticks, moto, cairn), work, moto, cairn);
            }
        } finally {
            deleteTree(work);
        }
    }

    private static void measure(Options options, int cores, long target, Path jar, String aws, Meter meter,
                                Path work, MotoStore moto, CairnProcess cairn) throws Exception {
        String cairnUrl = "http://127.0.0.1:" + cairn.port();
        SigV4Signer.Credentials admin = cairn.admin();
        Instant begun = Instant.now();
        String arn;
        try (LoopbackHttp http = new LoopbackHttp("127.0.0.1", cairn.port(), admin)) {
            JsonNode created = JSON.readTree(call(http, "CreateTrail", "{\"Name\":\"" + TRAIL + "\",\"S3BucketName\":\""
                    + BUCKET + "\",\"IsMultiRegionTrail\":true,\"EnableLogFileValidation\":true}"));
            arn = created.get("TrailARN").asText();
            call(http, "StartLogging", "{\"Name\":\"" + TRAIL + "\"}");
            long started = System.nanoTime();
            long[] sent = ingest(options, cairn, (long) (target * options.margin));
            double seconds = (System.nanoTime() - started) / 1e9;
            call(http, "StopLogging", "{\"Name\":\"" + TRAIL + "\"}");
            System.out.printf("ingested %,d events (%,d bytes of request bodies) in %.1f s: %,.0f events/s%n", sent[0],
                    sent[1], seconds, sent[0] / seconds);
        }
        long waitStarted = System.nanoTime();
        List<String> digestKeys = moto.waitForFinalDigest(Duration.ofMinutes(5));
        System.out.printf("final digest in the bucket %.1f s after StopLogging%n",
                (System.nanoTime() - waitStarted) / 1e9);

        // Every digest and every log file they list, downloaded once, checked, and laid out as a Cairn data folder.
        Path local = work.resolve("local");
        Path buckets = local.resolve("buckets");
        Map<String, LogFile> logs = new LinkedHashMap<>();
        Instant lastEnd = Instant.EPOCH;
        for (String key : digestKeys) {
            ResponseBytes<GetObjectResponse> object = moto.get(key);
            byte[] gzip = object.asByteArray();
            write(buckets.resolve(BUCKET).resolve(key), gzip);
            Properties metadata = new Properties();
            metadata.putAll(object.response().metadata());
            StringWriter text = new StringWriter();
            metadata.store(text, null);
            write(buckets.resolve(".metadata").resolve(BUCKET).resolve(key),
                    text.toString().getBytes(StandardCharsets.UTF_8));
            JsonNode digest = JSON.readTree(inflate(gzip));
            Instant end = Instant.parse(digest.get("digestEndTime").asText());
            lastEnd = end.isAfter(lastEnd) ? end : lastEnd;
            for (JsonNode log : digest.get("logFiles")) {
                String logKey = log.get("s3Object").asText();
                logs.putIfAbsent(logKey, new LogFile(logKey, null, 0, log.get("hashValue").asText()));
            }
        }
        long uncompressed = 0;
        long compressed = 0;
        byte[] buffer = new byte[256 * 1024];
        List<LogFile> files = new ArrayList<>();
        for (LogFile listed : logs.values()) {
            byte[] gzip = moto.get(listed.key()).asByteArray();
            write(buckets.resolve(BUCKET).resolve(listed.key()), gzip);
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            long size = inflateAndHash(gzip, buffer, sha256);
            String hash = HexFormat.of().formatHex(sha256.digest());
            if (!hash.equals(listed.sha256())) {
                throw new IOException(listed.key() + ": SHA-256 " + hash + " differs from its digest's "
                        + listed.sha256());
            }
            files.add(new LogFile(listed.key(), gzip, size, hash));
            uncompressed += size;
            compressed += gzip.length;
        }
        long inBucket = moto.keys("AWSLogs/" + SyntheticEvents.ACCOUNT + "/CloudTrail/").size();
        System.out.printf("%d digests, %d log files listed in them (%d log objects in the bucket): %,d bytes "
                        + "uncompressed (%.3f GiB), %,d bytes gzip (%.1fx), %.2f MB per file on average%n",
                digestKeys.size(), files.size(), inBucket, uncompressed, uncompressed / (double) (1L << 30),
                compressed, uncompressed / (double) compressed, uncompressed / 1e6 / Math.max(1, files.size()));
        if (uncompressed < target) {
            System.out.printf("WARNING: %,d bytes of log is less than the %,d asked for; raise --margin%n",
                    uncompressed, target);
        }

        Instant startTime = begun.minus(Duration.ofMinutes(1)).truncatedTo(ChronoUnit.MINUTES);
        Instant endTime = lastEnd.plus(Duration.ofMinutes(1));
        String start = CLI_TIME.format(startTime);
        String end = CLI_TIME.format(endTime);
        Map<String, String> env = childEnvironment(admin);
        Path keyFile = work.resolve("public-keys.json");
        Measured keys = run(List.of(aws, "cloudtrail", "list-public-keys", "--endpoint-url", cairnUrl, "--region",
                REGION, "--start-time", start, "--end-time", end), env, work, "list-public-keys", meter);
        Output keysOutput = keys.output().orElseThrow();
        if (keysOutput.exit() != 0) {
            throw new IOException("aws cloudtrail list-public-keys failed (" + keysOutput.exit() + "): "
                    + keysOutput.err());
        }
        Files.writeString(keyFile, keysOutput.out());
        LogValidator.PublicKeys publicKeys = publicKeys(keysOutput.out());
        LogValidator.Target validation = new LogValidator.Target(arn, SyntheticEvents.ACCOUNT, REGION, REGION, TRAIL,
                BUCKET, Optional.empty(), startTime, endTime, false);

        Map<String, String> s3Env = new LinkedHashMap<>(env);
        s3Env.put("AWS_ENDPOINT_URL_S3", moto.endpoint().toString());
        List<String> common = List.of("--trail-arn", arn, "--start-time", start, "--end-time", end);
        List<String> awsCommand = new ArrayList<>(List.of(aws, "cloudtrail", "validate-logs"));
        awsCommand.addAll(common);
        awsCommand.addAll(List.of("--endpoint-url", cairnUrl, "--region", REGION));
        List<String> java = new ArrayList<>();
        java.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        java.addAll(List.of(options.cliJavaOptions.trim().split("\\s+")));
        java.removeIf(String::isEmpty);
        java.addAll(List.of("-jar", jar.toString()));
        List<String> cairnMoto = new ArrayList<>(java);
        cairnMoto.add("validate-logs");
        cairnMoto.addAll(common);
        cairnMoto.addAll(List.of("--endpoint-url", cairnUrl, "--region", REGION, "--s3-endpoint-url",
                moto.endpoint().toString()));
        List<String> cairnLocal = new ArrayList<>(java);
        cairnLocal.add("validate-logs");
        cairnLocal.addAll(common);
        cairnLocal.addAll(List.of("--data", local.toString(), "--public-keys", keyFile.toString(), "--s3-bucket",
                BUCKET, "--region", REGION));
        if (options.threads != null) {
            cairnMoto.addAll(List.of("--threads", options.threads.toString()));
            cairnLocal.addAll(List.of("--threads", options.threads.toString()));
        }
        List<String> cairnHelp = new ArrayList<>(java);
        cairnHelp.addAll(List.of("validate-logs", "--help"));
        System.out.println("AWS CLI:      " + String.join(" ", awsCommand) + "   (AWS_ENDPOINT_URL_S3="
                + moto.endpoint() + ")");
        System.out.println("cairn, moto:  " + String.join(" ", cairnMoto));
        System.out.println("cairn, local: " + String.join(" ", cairnLocal));
        System.out.printf("MB = 10^6 bytes of uncompressed log; per core = over %d cores. cpu: of the measured "
                + "process (a child, or this JVM for in-process work); moto, server: moto's and the Cairn server's "
                + "meanwhile; others: the rest of the machine (other processes); steal: the hypervisor's%n%n", cores);

        int threads = options.threads != null ? options.threads : cores;
        S3ObjectStore s3 = new S3ObjectStore(new S3Settings("bench", Optional.of(moto.endpoint()), REGION, true,
                Optional.of("testing"), Optional.of("testing"), Optional.empty(), Optional.empty(),
                Duration.ofMinutes(2), S3Settings.MIN_PART_BYTES, List.of()));
        LocalObjectStore localStore = new LocalObjectStore(buckets);
        try (s3) {
            // Warm-up of the in-process measurements (JIT), not reported.
            floor(files, 1, meter);
            engine(localStore, publicKeys, validation, threads, meter, digestKeys.size(), files.size());
            engine(s3, publicKeys, validation, threads, meter, digestKeys.size(), files.size());
            Medians medians = new Medians();
            Medians clean = new Medians();
            double mb = uncompressed / 1e6;
            for (int round = 1; round <= options.rounds; round++) {
                System.out.printf("round %d%n", round);
                Measured awsRun = run(awsCommand, s3Env, work, "aws", meter);
                check("aws cloudtrail validate-logs", awsRun, digestKeys.size(), files.size());
                Measured motoRun = run(cairnMoto, s3Env, work, "cairn-moto", meter);
                check("cairn validate-logs (moto)", motoRun, digestKeys.size(), files.size());
                Measured localRun = run(cairnLocal, env, work, "cairn-local", meter);
                check("cairn validate-logs --data", localRun, digestKeys.size(), files.size());
                Measured engineLocal = engine(localStore, publicKeys, validation, threads, meter, digestKeys.size(),
                        files.size());
                Measured engineLocal1 = engine(localStore, publicKeys, validation, 1, meter, digestKeys.size(),
                        files.size());
                Measured engineMoto = engine(s3, publicKeys, validation, threads, meter, digestKeys.size(),
                        files.size());
                Measured floor1 = floor(files, 1, meter);
                Measured floorN = floor(files, cores, meter);
                Measured get = moto.getAll(files, cores, meter);
                Measured help = run(cairnHelp, env, work, "cairn-help", meter);

                double awsRate = mb / awsRun.seconds();
                line("aws cloudtrail validate-logs", awsRun, mb, cores, Double.NaN);
                line("cairn validate-logs (moto)", motoRun, mb, cores, awsRate);
                line("cairn validate-logs --data", localRun, mb, cores, awsRate);
                line("engine in-process, warm, local, " + threads + " threads", engineLocal, mb, cores, awsRate);
                line("engine in-process, warm, local, 1 thread", engineLocal1, mb, cores, awsRate);
                line("engine in-process, warm, moto, " + threads + " threads", engineMoto, mb, cores, awsRate);
                line("floor Inflater+SHA-256, 1 thread", floor1, mb, cores, Double.NaN);
                line("floor Inflater+SHA-256, " + cores + " threads", floorN, mb, cores, Double.NaN);
                line("moto GET only, " + cores + " SDK threads", get, mb, cores, Double.NaN);
                System.out.printf("  %-42s %7.2f s  %s%n", "JVM start: cairn.jar validate-logs --help", help.seconds(),
                        help.usage().describe(cores));

                record Figure(String name, Measured measured) {
                }
                for (Figure figure : List.of(new Figure("aws cloudtrail validate-logs", awsRun),
                        new Figure("cairn validate-logs (moto)", motoRun),
                        new Figure("cairn validate-logs --data", localRun),
                        new Figure("engine in-process warm local " + threads + " threads", engineLocal),
                        new Figure("engine in-process warm local 1 thread", engineLocal1),
                        new Figure("engine in-process warm moto " + threads + " threads", engineMoto),
                        new Figure("floor 1 thread", floor1), new Figure("floor " + cores + " threads", floorN),
                        new Figure("moto GET only " + cores + " threads", get))) {
                    double rate = mb / figure.measured().seconds();
                    boolean isClean = figure.measured().usage().clean();
                    for (Medians into : isClean ? List.of(medians, clean) : List.of(medians)) {
                        into.add(figure.name() + " MB/s", rate);
                        if (!figure.name().startsWith("aws") && !figure.name().startsWith("moto")) {
                            into.add(figure.name() + " MB/s per core", rate / cores);
                        }
                        into.add(figure.name() + " cores busy", figure.measured().usage().measured()
                                / figure.measured().seconds());
                    }
                    if (figure.name().startsWith("cairn") || figure.name().startsWith("engine")) {
                        medians.add(figure.name() + " / AWS CLI", rate / awsRate);
                        if (isClean && awsRun.usage().clean()) {
                            clean.add(figure.name() + " / AWS CLI", rate / awsRate);
                        }
                    }
                }
                medians.add("cairn (moto) per core / floor 1 thread", mb / motoRun.seconds() / cores
                        / (mb / floor1.seconds()));
                medians.add("cairn --data per core / floor 1 thread", mb / localRun.seconds() / cores
                        / (mb / floor1.seconds()));
                medians.add("JVM start, validate-logs --help, s", help.seconds());
                medians.add("others' cpu during the AWS CLI run, s", awsRun.usage().others());
                medians.add("others' cpu during cairn (moto), s", motoRun.usage().others());
            }
            System.out.println();
            System.out.printf("medians over %d round(s), %,d bytes of uncompressed log in %d files (%.2f MB each):%n",
                    options.rounds, uncompressed, files.size(), uncompressed / 1e6 / Math.max(1, files.size()));
            System.out.print(medians.report());
            System.out.printf("%nmedians over the clean measurements only (other processes under 0.15 cores; a "
                    + "ratio only when both runs were clean):%n");
            System.out.print(clean.report());
            System.out.println();
            for (Medians figures : List.of(medians, clean)) {
                double ratio = figures.median("cairn validate-logs (moto) / AWS CLI");
                double perCore = figures.median("cairn validate-logs (moto) MB/s per core");
                double localRatio = figures.median("cairn validate-logs --data / AWS CLI");
                double localPerCore = figures.median("cairn validate-logs --data MB/s per core");
                System.out.printf("targets (%s), cairn validate-logs: >= 5x the AWS CLI: moto %.2fx %s, --data %.2fx "
                                + "%s; >= 200 MB/s per core: moto %.1f %s, --data %.1f %s%n",
                        figures == clean ? "clean measurements" : "all rounds", ratio, met(ratio >= 5), localRatio,
                        met(localRatio >= 5), perCore, met(perCore >= 200), localPerCore, met(localPerCore >= 200));
            }
        }
        if (options.holdSeconds > 0) {
            System.out.printf("%nholding moto (%s), Cairn (%s) and %s for %d s; the environment: "
                            + "AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_DEFAULT_REGION=%s%n", moto.endpoint(),
                    cairnUrl, work, options.holdSeconds, admin.accessKeyId(), admin.secretAccessKey(), REGION);
            Thread.sleep(options.holdSeconds * 1000L);
        }
    }

    private static String met(boolean met) {
        return met ? "MET" : "NOT MET";
    }

    private static void line(String name, Measured measured, double mb, int cores, double awsRate) {
        double rate = mb / measured.seconds();
        System.out.printf("  %-42s %7.2f s %8.1f MB/s %7.1f MB/s/core  %s%s%s%n", name, measured.seconds(), rate,
                rate / cores, measured.usage().describe(cores),
                measured.output().map(output -> "  exit " + output.exit() + "  " + output.summary()).orElse(""),
                Double.isNaN(awsRate) ? "" : String.format("  %.2fx the AWS CLI", rate / awsRate));
    }

    /** The keys in {@code aws cloudtrail list-public-keys} output, as the validator takes them. */
    private static LogValidator.PublicKeys publicKeys(String listing) throws IOException {
        Map<String, byte[]> keys = new HashMap<>();
        for (JsonNode key : JSON.readTree(listing).get("PublicKeyList")) {
            keys.put(key.get("Fingerprint").asText(), Base64.getDecoder().decode(key.get("Value").asText()));
        }
        return (from, to) -> keys;
    }

    /** Runs Cairn's validation engine in this JVM on {@code store} with {@code threads} checker threads. */
    private static Measured engine(ObjectStore store, LogValidator.PublicKeys keys, LogValidator.Target target,
                                   int threads, Meter meter, int digests, int logs) throws IOException {
        ExecutorService checkers = Executors.newFixedThreadPool(threads, runnable -> {
            Thread thread = new Thread(runnable, "bench-validate");
            thread.setDaemon(true);
            return thread;
        });
        try {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            Snapshot before = meter.start();
            int exit = new LogValidator(store, keys, checkers, Clock.systemUTC()).run(target, new PrintWriter(out),
                    new PrintWriter(err));
            Measured measured = new Measured(meter.since(before, false), Optional.of(new Output(exit, out.toString(),
                    err.toString())));
            check("the engine in-process", measured, digests, logs);
            return measured;
        } finally {
            checkers.shutdownNow();
        }
    }

    private static void check(String name, Measured measured, int digests, int logs) throws IOException {
        Output run = measured.output().orElseThrow();
        Matcher digestLine = DIGEST_SUMMARY.matcher(run.out());
        Matcher logLine = LOG_SUMMARY.matcher(run.out());
        boolean digestsValid = digestLine.find() && Integer.parseInt(digestLine.group(1)) == digests
                && Integer.parseInt(digestLine.group(2)) == digests;
        boolean logsValid = logLine.find() && Integer.parseInt(logLine.group(1)) == logs
                && Integer.parseInt(logLine.group(2)) == logs;
        if (run.exit() != 0 || !digestsValid || !logsValid) {
            throw new IOException(name + " did not find " + digests + " valid digests and " + logs
                    + " valid log files: exit " + run.exit() + "\nstdout:\n" + run.out() + "\nstderr:\n"
                    + tail(run.err()));
        }
    }

    private static String tail(String text) {
        return text.length() > 4000 ? "..." + text.substring(text.length() - 4000) : text;
    }

    private static String call(LoopbackHttp http, String operation, String body) throws IOException {
        LoopbackHttp.Response response = http.post("/", TRAIL_HEADERS + operation + "\r\n",
                body.getBytes(StandardCharsets.UTF_8));
        if (response.status() != 200) {
            throw new IOException(operation + " failed: " + response.status() + " " + response.text());
        }
        return response.text();
    }

    /**
     * Sends batches from {@code options.clients} closed-loop clients until {@code bytes} bytes of request body were
     * acknowledged; returns {events, bytes}.
     */
    private static long[] ingest(Options options, CairnProcess cairn, long bytes) throws Exception {
        AtomicLong serials = new AtomicLong(1L << 20);
        AtomicLong sentBytes = new AtomicLong();
        AtomicLong sentEvents = new AtomicLong();
        AtomicReference<Exception> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < options.clients; c++) {
            SyntheticEvents events = new SyntheticEvents(7000L + c);
            List<SyntheticEvents.Batch> pool = new ArrayList<>();
            for (int b = 0; b < 64; b++) {
                pool.add(events.batch(options.batchSize, System.currentTimeMillis() / 1000, 0));
            }
            Thread thread = new Thread(() -> {
                try (LoopbackHttp http = new LoopbackHttp("127.0.0.1", cairn.port(), cairn.writer())) {
                    for (int call = 0; sentBytes.get() < bytes && failure.get() == null; call++) {
                        SyntheticEvents.Batch batch = pool.get(call % pool.size());
                        long first = serials.getAndAdd(batch.events().size());
                        batch.restamp(System.currentTimeMillis() / 1000, first);
                        LoopbackHttp.Response response = http.post("/records", LoopbackHttp.RECORDS_HEADERS,
                                batch.body());
                        if (response.status() != 200) {
                            throw new IOException("ingest failed: " + response.status() + " " + response.text());
                        }
                        sentBytes.addAndGet(batch.body().length);
                        sentEvents.addAndGet(batch.events().size());
                    }
                } catch (Exception e) {
                    failure.compareAndSet(null, e);
                }
            }, "client-" + c);
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        if (failure.get() != null) {
            throw failure.get();
        }
        return new long[]{sentEvents.get(), sentBytes.get()};
    }

    /** Inflater + SHA-256 over the files in memory on {@code threads} threads, each hash checked. */
    private static Measured floor(List<LogFile> files, int threads, Meter meter) throws Exception {
        return eachFile(files, threads, meter, "floor", () -> {
            byte[] buffer = new byte[256 * 1024];
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            return file -> {
                inflateAndHash(file.gzip(), buffer, sha256);
                if (!HexFormat.of().formatHex(sha256.digest()).equals(file.sha256())) {
                    throw new IOException("hash of " + file.key() + " changed");
                }
            };
        });
    }

    /** What a thread does with each file; made once per thread. */
    private interface FileWork {
        void on(LogFile file) throws Exception;
    }

    /** A maker of per-thread {@link FileWork}. */
    private interface FileWorker {
        FileWork make() throws Exception;
    }

    /** Hands the files out to {@code threads} threads (one: this one), each with its own work, and measures it. */
    private static Measured eachFile(List<LogFile> files, int threads, Meter meter, String name, FileWorker worker)
            throws Exception {
        AtomicInteger next = new AtomicInteger();
        AtomicReference<Exception> failure = new AtomicReference<>();
        Runnable work = () -> {
            try {
                FileWork perFile = worker.make();
                for (int i = next.getAndIncrement(); i < files.size(); i = next.getAndIncrement()) {
                    perFile.on(files.get(i));
                }
            } catch (Exception e) {
                failure.compareAndSet(null, e);
            }
        };
        Snapshot before = meter.start();
        if (threads == 1) {
            work.run();
        } else {
            List<Thread> running = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Thread thread = new Thread(work, name + "-" + t);
                running.add(thread);
                thread.start();
            }
            for (Thread thread : running) {
                thread.join();
            }
        }
        Usage usage = meter.since(before, false);
        if (failure.get() != null) {
            throw failure.get();
        }
        return new Measured(usage, Optional.empty());
    }

    /** Inflates a one-member gzip file, feeding the inflated bytes to {@code sha256}; returns their count. */
    private static long inflateAndHash(byte[] gzip, byte[] buffer, MessageDigest sha256)
            throws IOException, DataFormatException {
        Inflater inflater = new Inflater(true);
        try {
            int header = gzipHeaderLength(gzip);
            inflater.setInput(gzip, header, gzip.length - header);
            long size = 0;
            while (!inflater.finished()) {
                int count = inflater.inflate(buffer);
                if (count == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new IOException("truncated gzip file");
                }
                sha256.update(buffer, 0, count);
                size += count;
            }
            return size;
        } finally {
            inflater.end();
        }
    }

    private static byte[] inflate(byte[] gzip) throws IOException {
        try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(gzip))) {
            return in.readAllBytes();
        }
    }

    private static int gzipHeaderLength(byte[] gzip) throws IOException {
        if (gzip.length < 18 || (gzip[0] & 0xff) != 0x1f || (gzip[1] & 0xff) != 0x8b || gzip[2] != 8) {
            throw new IOException("not a gzip file");
        }
        int flags = gzip[3];
        int position = 10;
        if ((flags & 4) != 0) {
            position += 2 + ((gzip[position] & 0xff) | (gzip[position + 1] & 0xff) << 8);
        }
        for (int flag : new int[]{8, 16}) {
            if ((flags & flag) != 0) {
                while (gzip[position] != 0) {
                    position++;
                }
                position++;
            }
        }
        if ((flags & 2) != 0) {
            position += 2;
        }
        return position;
    }

    /** The environment of the AWS CLI and cairn runs: the Cairn administrator's key, us-east-1, no other endpoint. */
    private static Map<String, String> childEnvironment(SigV4Signer.Credentials admin) {
        Map<String, String> env = new LinkedHashMap<>(System.getenv());
        env.keySet().removeIf(name -> name.startsWith("AWS_ENDPOINT_URL") || name.equals("AWS_PROFILE")
                || name.equals("AWS_SESSION_TOKEN") || name.equals("AWS_REGION"));
        env.put("AWS_ACCESS_KEY_ID", admin.accessKeyId());
        env.put("AWS_SECRET_ACCESS_KEY", admin.secretAccessKey());
        env.put("AWS_DEFAULT_REGION", REGION);
        env.put("AWS_EC2_METADATA_DISABLED", "true");
        return env;
    }

    /** Runs a child to its end, its output in files; the time and CPU it took. */
    private static Measured run(List<String> command, Map<String, String> env, Path work, String name, Meter meter)
            throws Exception {
        Path out = work.resolve(name + ".out");
        Path err = work.resolve(name + ".err");
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().clear();
        builder.environment().putAll(env);
        Snapshot before = meter.start();
        Process process = builder.start();
        int exit = process.waitFor();
        Usage usage = meter.since(before, true);
        return new Measured(usage, Optional.of(new Output(exit, Files.readString(out), Files.readString(err))));
    }

    private static String cpuModel() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            String model = lines.stream().filter(line -> line.startsWith("model name")).findFirst()
                    .map(line -> line.substring(line.indexOf(':') + 1).trim()).orElse("unknown CPU");
            boolean sha = lines.stream().anyMatch(line -> line.startsWith("flags") && line.contains(" sha_ni"));
            return model + (sha ? ", SHA extensions" : ", no SHA extensions");
        } catch (IOException e) {
            return "unknown CPU";
        }
    }

    private static long clockTicks() {
        try {
            Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String text = new String(getconf.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            getconf.waitFor();
            return Long.parseLong(text);
        } catch (IOException | InterruptedException | NumberFormatException e) {
            return 100;
        }
    }

    /** The AWS CLI's real program when it is behind a pyenv shim (the shim's own start is not the CLI's cost). */
    private static String resolveAws(String aws) {
        if (!aws.equals("aws")) {
            return aws;
        }
        try {
            Process which = new ProcessBuilder("pyenv", "which", "aws").redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            String path = new String(which.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (which.waitFor() == 0 && Files.isExecutable(Path.of(path))) {
                return path;
            }
        } catch (IOException | InterruptedException e) {
            // no pyenv: the aws on the PATH
        }
        return aws;
    }

    private static void write(Path file, byte[] bytes) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
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

    /** The preinstalled moto server with one bucket, and an SDK client of it. */
    private static final class MotoStore implements AutoCloseable {
        private final MotoServer server;
        private final String bucket;
        private final S3Client s3;

        private MotoStore(MotoServer server) {
            this.server = server;
            this.bucket = server.bucket();
            this.s3 = server.s3();
        }

        static MotoStore start(String bucket) throws Exception {
            return new MotoStore(MotoServer.start(bucket));
        }

        URI endpoint() {
            return server.endpoint();
        }

        /** moto's CPU time so far, in seconds. */
        double cpuSeconds() {
            return server.cpuSeconds();
        }

        List<String> keys(String prefix) {
            return server.keys(prefix);
        }

        ResponseBytes<GetObjectResponse> get(String key) {
            return s3.getObjectAsBytes(request -> request.bucket(bucket).key(key));
        }

        /**
         * Waits until the newest digest is a chain's last one (no {@code cairnNextDigestTime}); returns every digest
         * key, oldest first.
         */
        List<String> waitForFinalDigest(Duration timeout) throws Exception {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                List<String> keys = new ArrayList<>(new LinkedHashSet<>(keys(DIGEST_FOLDER)));
                keys.sort(Comparator.comparing(key -> key.substring(key.length() - 24)));
                if (!keys.isEmpty()) {
                    JsonNode newest = JSON.readTree(inflate(get(keys.getLast()).asByteArray()));
                    JsonNode next = newest.get("cairnNextDigestTime");
                    if (next == null || next.isNull()) {
                        return keys;
                    }
                }
                Thread.sleep(500);
            }
            throw new IOException("no final digest within " + timeout);
        }

        /** Gets every log file on {@code threads} threads (SDK client, bytes in memory, nothing inflated). */
        Measured getAll(List<LogFile> files, int threads, Meter meter) throws Exception {
            return eachFile(files, threads, meter, "moto-get", () -> file -> {
                byte[] bytes = get(file.key()).asByteArray();
                if (bytes.length != file.gzip().length) {
                    throw new IOException(file.key() + " changed size");
                }
            });
        }

        @Override
        public void close() {
            server.close();
        }
    }

    private static final class Options {
        double gigabytes = 1.0;
        int rounds = 3;
        int clients = 4;
        int batchSize = 100;
        String interval = "2s";
        String digestPeriod = "10s";
        String maxFileSize;
        String gzipLevel;
        String serverHeap = "2g";
        String cairnJar = "cairn-cli/target/cairn.jar";
        String cliJavaOptions = "-Xmx1g";
        String aws = "aws";
        Integer threads;
        double margin = 1.0;
        int holdSeconds;

        static Options parse(String[] args) {
            Options options = new Options();
            for (int i = 0; i < args.length; i++) {
                String value = i + 1 < args.length ? args[i + 1] : "";
                switch (args[i]) {
                    case "--gigabytes" -> options.gigabytes = Double.parseDouble(value);
                    case "--rounds" -> options.rounds = Integer.parseInt(value);
                    case "--clients" -> options.clients = Integer.parseInt(value);
                    case "--batch" -> options.batchSize = Integer.parseInt(value);
                    case "--interval" -> options.interval = value;
                    case "--digest-period" -> options.digestPeriod = value;
                    case "--max-file-size" -> options.maxFileSize = value;
                    case "--gzip-level" -> options.gzipLevel = value;
                    case "--server-heap" -> options.serverHeap = value;
                    case "--cairn-jar" -> options.cairnJar = value;
                    case "--cli-java-opts" -> options.cliJavaOptions = value;
                    case "--aws" -> options.aws = value;
                    case "--threads" -> options.threads = Integer.parseInt(value);
                    case "--margin" -> options.margin = Double.parseDouble(value);
                    case "--hold" -> options.holdSeconds = Integer.parseInt(value);
                    default -> throw new IllegalArgumentException("unknown option " + args[i] + "; options: "
                            + "--gigabytes G --rounds N --clients N --batch N --interval 2s --digest-period 10s "
                            + "--max-file-size 50MB --gzip-level 6 --server-heap 2g --cairn-jar PATH "
                            + "--cli-java-opts \"-Xmx1g\" --aws PATH --threads N --margin 1.0 --hold SECONDS");
                }
                i++;
            }
            return options;
        }
    }
}
