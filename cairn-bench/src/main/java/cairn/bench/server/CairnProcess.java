package cairn.bench.server;

import cairn.bench.http.LoopbackHttp;
import cairn.bench.http.SigV4Signer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cairn in a child JVM, started from this benchmark jar ({@code cairn.server.Main}), so that the load generator and
 * the server do not share a heap, a JIT or a GC. Knows how long the start took (until the port answered a real
 * LookupEvents call), what the store's recovery reported, and the child's heap and resident memory.
 */
public final class CairnProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("Cairn is listening on http://([^:]+):(\\d+) ");
    private static final Pattern STORE = Pattern.compile("Store: opened (\\d+) segment\\(s\\), (\\d+) record\\(s\\) in (\\d+) ms");

    private final Process process;
    private final int port;
    private final Duration startUp;
    private final long recoveryMillis;
    private final long records;
    private final int segments;
    private final List<String> output;
    private final BenchIdentity.Keys keys;

    private CairnProcess(Process process, int port, Duration startUp, long recoveryMillis, long records,
                         int segments, List<String> output, BenchIdentity.Keys keys) {
        this.keys = keys;
        this.process = process;
        this.port = port;
        this.startUp = startUp;
        this.recoveryMillis = recoveryMillis;
        this.records = records;
        this.segments = segments;
        this.output = output;
    }

    /**
     * Starts Cairn on {@code dataDirectory} on a free loopback port with a retention of ten years (the generated
     * events are stamped now, the stored ones up to weeks back), and waits until it answers LookupEvents.
     */
    public static CairnProcess start(Path dataDirectory, String maxHeap, List<String> extraJvmOptions)
            throws IOException, InterruptedException {
        return start("cairn.server.Main", dataDirectory, maxHeap, extraJvmOptions);
    }

    /** As {@link #start(Path, String, List)}, with another main class taking {@code Main}'s arguments. */
    public static CairnProcess start(String mainClass, Path dataDirectory, String maxHeap, List<String> extraJvmOptions)
            throws IOException, InterruptedException {
        return start(System.getProperty("java.class.path"), mainClass, dataDirectory, maxHeap, extraJvmOptions);
    }

    /**
     * As {@link #start(Path, String, List)}, from another class path (such as the jar of an earlier build, to
     * measure a change side by side).
     */
    public static CairnProcess start(String classPath, String mainClass, Path dataDirectory, String maxHeap,
                                     List<String> extraJvmOptions) throws IOException, InterruptedException {
        return start(classPath, mainClass, dataDirectory, maxHeap, extraJvmOptions, List.of());
    }

    /** As {@link #start(String, String, Path, String, List)}, with configuration {@code settings} ({@code key=value}). */
    public static CairnProcess start(String classPath, String mainClass, Path dataDirectory, String maxHeap,
                                     List<String> extraJvmOptions, List<String> settings)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx" + maxHeap);
        command.addAll(extraJvmOptions);
        command.addAll(List.of("-cp", classPath, mainClass,
                "--data", dataDirectory.toString(), "--port", "0", "--set", "history.retention=3650d"));
        for (String setting : settings) {
            command.addAll(List.of("--set", setting));
        }
        long started = System.nanoTime();
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
        List<String> output = java.util.Collections.synchronizedList(new ArrayList<>());
        int port = -1;
        long recovery = -1;
        long records = -1;
        int segments = -1;
        String line;
        while ((line = reader.readLine()) != null) {
            output.add(line);
            Matcher listening = LISTENING.matcher(line);
            if (listening.find()) {
                port = Integer.parseInt(listening.group(2));
            }
            Matcher store = STORE.matcher(line);
            if (store.find()) {
                segments = Integer.parseInt(store.group(1));
                records = Long.parseLong(store.group(2));
                recovery = Long.parseLong(store.group(3));
                break;
            }
        }
        if (port < 0 || recovery < 0) {
            process.destroyForcibly();
            throw new IOException("Cairn did not start:\n" + String.join("\n", output));
        }
        CompletableFuture.runAsync(() -> drain(reader, output));
        BenchIdentity.Keys keys = BenchIdentity.prepare(dataDirectory);
        try (LoopbackHttp http = new LoopbackHttp("127.0.0.1", port, keys.auditor())) {
            LoopbackHttp.Response response = http.post("/", LoopbackHttp.LOOKUP_EVENTS_HEADERS, "{\"MaxResults\":1}".getBytes(
                    StandardCharsets.US_ASCII));
            if (response.status() != 200) {
                throw new IOException("first LookupEvents failed: " + response.status() + " " + response.text());
            }
        }
        Duration startUp = Duration.ofNanos(System.nanoTime() - started);
        return new CairnProcess(process, port, startUp, recovery, records, segments, output, keys);
    }

    /** A key allowed to put events into the benchmark's account. */
    public SigV4Signer.Credentials writer() {
        return keys.writer();
    }

    /** A key of an administrator of the benchmark's account (trails). */
    public SigV4Signer.Credentials admin() {
        return keys.admin();
    }

    /** A key allowed to look up the benchmark's account's events. */
    public SigV4Signer.Credentials auditor() {
        return keys.auditor();
    }

    private static void drain(BufferedReader reader, List<String> output) {
        try {
            String line;
            while ((line = reader.readLine()) != null) {
                if (output.size() < 10_000) {
                    output.add(line);
                }
            }
        } catch (IOException ignored) {
            // the process ended
        }
    }

    /** The console's port, from the line the server prints once it serves it (waits up to 10 s for the line). */
    public int consolePort() throws InterruptedException, IOException {
        Pattern console = Pattern.compile("Console: http://[^:]+:(\\d+)/");
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            synchronized (output) {
                for (String line : output) {
                    Matcher matcher = console.matcher(line);
                    if (matcher.find()) {
                        return Integer.parseInt(matcher.group(1));
                    }
                }
            }
            Thread.sleep(20);
        }
        throw new IOException("Cairn printed no console address:\n" + String.join("\n", output));
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    /** From starting the JVM until a LookupEvents call was answered. */
    public Duration startUp() {
        return startUp;
    }

    /** What {@code EventStore.open} reported as {@code RecoveryReport.took()}. */
    public long recoveryMillis() {
        return recoveryMillis;
    }

    public long records() {
        return records;
    }

    public int segments() {
        return segments;
    }

    public List<String> output() {
        return List.copyOf(output);
    }

    /** Heap in use right after a full GC, in bytes, read with {@code jcmd GC.run} and {@code GC.heap_info}. */
    public long heapUsedAfterFullGc() throws IOException, InterruptedException {
        jcmd("GC.run");
        String info = jcmd("GC.heap_info");
        Matcher used = Pattern.compile("total (?:reserved )?\\d+K, (?:committed \\d+K, )?used (\\d+)K").matcher(info);
        if (!used.find()) {
            throw new IOException("could not read the heap from: " + info);
        }
        return Long.parseLong(used.group(1)) * 1024;
    }

    /** Resident set size of the child, in bytes (includes the page cache of mapped index files it touched). */
    public long residentBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid()), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }

    public String jcmd(String command) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process run = new ProcessBuilder(jcmd.toString(), String.valueOf(pid()), command).redirectErrorStream(true)
                .start();
        String text = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        run.waitFor(60, TimeUnit.SECONDS);
        return text;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor();
        }
    }
}
