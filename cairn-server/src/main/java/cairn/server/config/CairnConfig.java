package cairn.server.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import static java.util.Objects.requireNonNull;

/**
 * Cairn's configuration: one file of {@code key = value} lines (and {@code #} comments), then environment variables
 * named after the keys ({@code history.retention} is {@code CAIRN_HISTORY_RETENTION}). Sizes take units
 * ({@code 128MB}), durations too ({@code 90d}, {@code 15m}, {@code 30s}). An unknown key or a bad value stops start-up,
 * with every problem listed at once.
 */
public record CairnConfig(Server server, Path dataDirectory, Store store, Ingest ingest, History history,
                          Delivery delivery) {
    public CairnConfig {
        requireNonNull(server, "server is null");
        requireNonNull(dataDirectory, "dataDirectory is null");
        requireNonNull(store, "store is null");
        requireNonNull(ingest, "ingest is null");
        requireNonNull(history, "history is null");
        requireNonNull(delivery, "delivery is null");
    }

    /**
     * Where the API listens (port 0 picks a free port), and the regions it serves: calls signed for any other region
     * are refused. Empty means every well-formed region name ({@code server.regions = *}).
     */
    public record Server(String host, int port, List<String> regions) {
        private static final java.util.regex.Pattern REGION =
                java.util.regex.Pattern.compile("[a-z]{2,12}(-[a-z]{1,16}){1,3}-\\d{1,2}[a-z]?");

        public Server {
            requireNonNull(host, "host is null");
            regions = List.copyOf(requireNonNull(regions, "regions is null"));
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0..65535: " + port);
            }
        }

        public Server(String host, int port) {
            this(host, port, List.of());
        }

        /** Whether calls signed for {@code region} are served. */
        public boolean servesRegion(String region) {
            return regions.isEmpty() ? REGION.matcher(region).matches() : regions.contains(region);
        }

        static List<String> parseRegions(String text) {
            if (text.equals("*")) {
                return List.of();
            }
            List<String> regions = new ArrayList<>();
            for (String part : text.split(",")) {
                String region = part.strip();
                if (!REGION.matcher(region).matches()) {
                    throw new IllegalArgumentException("not a region name such as us-east-1: " + region);
                }
                regions.add(region);
            }
            return regions;
        }
    }

    public record Store(long segmentBytes) {
    }

    /** Limits of the native batch endpoint (PutAuditEvents keeps CloudTrail's own: 100 events, 1 MB). */
    public record Ingest(long maxRequestBytes, int maxRecords) {
    }

    /**
     * @param retention how long events stay in the history
     * @param nextTokenTtl how long a LookupEvents NextToken stays valid
     * @param multiAttributeLookups beyond CloudTrail: AND several lookup attributes in one call instead of refusing
     * @param retentionCheckInterval how often expired segments are looked for
     */
    public record History(Duration retention, Duration nextTokenTtl, boolean multiAttributeLookups,
                          Duration retentionCheckInterval) {
    }

    /**
     * @param interval how long a trail gathers events before it writes a log file (CloudTrail: about 5 minutes)
     * @param gzipLevel the compression level of log files, 1 (fastest) to 9 (smallest)
     * @param maxFileBytes the largest a log file grows, uncompressed, before it is written early (at most 50MB)
     * @param compressionThreads how many threads compress log files ({@code auto}: one per processor)
     * @param createBuckets whether CreateTrail and UpdateTrail create a missing bucket instead of refusing it
     */
    public record Delivery(Duration interval, int gzipLevel, long maxFileBytes, int compressionThreads,
                           boolean createBuckets) {
        public Delivery {
            requireNonNull(interval, "interval is null");
        }

        public cairn.delivery.trail.DeliveryConfig toDeliveryConfig() {
            return new cairn.delivery.trail.DeliveryConfig(interval, gzipLevel, maxFileBytes, compressionThreads);
        }
    }

    public static final Map<String, String> DEFAULTS = defaults();

    private static Map<String, String> defaults() {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("server.host", "127.0.0.1");
        values.put("server.port", "8745");
        values.put("server.regions", "us-east-1");
        values.put("data.directory", "data");
        values.put("store.segment-size", "128MB");
        values.put("ingest.max-request-size", "16MB");
        values.put("ingest.max-records", "10000");
        values.put("history.retention", "90d");
        values.put("history.next-token-ttl", "24h");
        values.put("history.multi-attribute-lookups", "false");
        values.put("history.retention-check-interval", "1m");
        values.put("delivery.interval", "60s");
        values.put("delivery.gzip-level", "6");
        values.put("delivery.max-file-size", "50MB");
        values.put("delivery.compression-threads", "auto");
        values.put("delivery.create-buckets", "false");
        return Map.copyOf(values);
    }

    public static CairnConfig defaults(Path dataDirectory) {
        return load(Map.of("data.directory", dataDirectory.toString()), Map.of());
    }

    /** Reads a configuration file (when given), then the environment's overrides. */
    public static CairnConfig load(Optional<Path> file, Map<String, String> environment) throws IOException {
        return load(file, Map.of(), environment);
    }

    /**
     * Reads a configuration file (when given), then the environment's overrides, then explicit values (such as
     * command-line options), which win over both.
     */
    public static CairnConfig load(Optional<Path> file, Map<String, String> explicit, Map<String, String> environment)
            throws IOException {
        Map<String, String> fromFile = file.isPresent() ? readFile(file.get()) : Map.of();
        Map<String, String> merged = new LinkedHashMap<>(fromFile);
        for (String key : DEFAULTS.keySet()) {
            String variable = environmentName(key);
            if (environment.containsKey(variable)) {
                merged.put(key, environment.get(variable));
            }
        }
        merged.putAll(explicit);
        return build(merged, environment);
    }

    private static Map<String, String> readFile(Path file) throws IOException {
        Map<String, String> values = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int equals = line.indexOf('=');
            if (equals < 1) {
                problems.add(file + ":" + (i + 1) + ": expected key = value, found: " + line);
                continue;
            }
            values.put(line.substring(0, equals).strip(), line.substring(equals + 1).strip());
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return values;
    }

    /**
     * Builds the configuration from values over the defaults; the environment's variables override the values
     * (use {@link #load(Optional, Map, Map)} for options that must win over the environment).
     */
    public static CairnConfig load(Map<String, String> explicit, Map<String, String> environment) {
        Map<String, String> merged = new LinkedHashMap<>(explicit);
        for (String key : DEFAULTS.keySet()) {
            String variable = environmentName(key);
            if (environment.containsKey(variable)) {
                merged.put(key, environment.get(variable));
            }
        }
        return build(merged, environment);
    }

    /** Checks and types the values (over the defaults); {@code environment} is only checked for unknown names. */
    private static CairnConfig build(Map<String, String> explicit, Map<String, String> environment) {
        List<String> problems = new ArrayList<>();
        Map<String, String> values = new LinkedHashMap<>(DEFAULTS);
        for (Map.Entry<String, String> entry : explicit.entrySet()) {
            if (!DEFAULTS.containsKey(entry.getKey())) {
                problems.add("unknown key: " + entry.getKey());
            } else {
                values.put(entry.getKey(), entry.getValue());
            }
        }
        for (Map.Entry<String, String> entry : environment.entrySet()) {
            if (entry.getKey().startsWith("CAIRN_") && DEFAULTS.keySet().stream()
                    .noneMatch(key -> environmentName(key).equals(entry.getKey()))
                    && !entry.getKey().equals("CAIRN_JAVA_OPTS")) {
                problems.add("unknown environment variable: " + entry.getKey());
            }
        }
        Reader reader = new Reader(values, problems);
        String host = reader.get("server.host", text -> text);
        Integer port = reader.get("server.port", text -> intIn(text, 0, 65535));
        List<String> regions = reader.get("server.regions", Server::parseRegions);
        Path data = reader.get("data.directory", Path::of);
        Long segmentBytes = reader.get("store.segment-size", text -> sizeIn(text, 1L << 20, 1L << 30));
        Long maxRequest = reader.get("ingest.max-request-size", text -> sizeIn(text, 64L << 10, 256L << 20));
        Integer maxRecords = reader.get("ingest.max-records", text -> intIn(text, 1, 1_000_000));
        Duration retention = reader.get("history.retention", text -> durationAtLeast(text, Duration.ofMinutes(1)));
        Duration tokenTtl = reader.get("history.next-token-ttl", text -> durationAtLeast(text, Duration.ofSeconds(1)));
        Boolean multi = reader.get("history.multi-attribute-lookups", CairnConfig::bool);
        Duration check = reader.get("history.retention-check-interval",
                text -> durationAtLeast(text, Duration.ofSeconds(1)));
        Duration interval = reader.get("delivery.interval", text -> durationAtLeast(text, Duration.ofSeconds(1)));
        Integer gzipLevel = reader.get("delivery.gzip-level", text -> intIn(text, 1, 9));
        Long maxFile = reader.get("delivery.max-file-size", text -> sizeIn(text, 1L << 10,
                cairn.delivery.trail.DeliveryConfig.MAX_FILE_BYTES));
        Integer threads = reader.get("delivery.compression-threads", text -> text.equals("auto")
                ? Runtime.getRuntime().availableProcessors() : intIn(text, 1, 256));
        Boolean createBuckets = reader.get("delivery.create-buckets", CairnConfig::bool);
        if (segmentBytes != null && maxRequest != null && maxRequest > segmentBytes / 2) {
            problems.add("ingest.max-request-size (" + maxRequest + " bytes) must be at most half of "
                    + "store.segment-size (" + segmentBytes + " bytes), so that a whole batch fits in one segment");
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new CairnConfig(new Server(host, port, regions), data, new Store(segmentBytes),
                new Ingest(maxRequest, maxRecords), new History(retention, tokenTtl, multi, check),
                new Delivery(interval, gzipLevel, maxFile, threads, createBuckets));
    }

    public static String environmentName(String key) {
        return "CAIRN_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static final class Reader {
        private final Map<String, String> values;
        private final List<String> problems;

        Reader(Map<String, String> values, List<String> problems) {
            this.values = values;
            this.problems = problems;
        }

        <T> T get(String key, Function<String, T> parse) {
            String text = values.get(key);
            try {
                return parse.apply(text.strip());
            } catch (RuntimeException e) {
                problems.add(key + ": " + e.getMessage());
                return null;
            }
        }
    }

    static int intIn(String text, int min, int max) {
        int value;
        try {
            value = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a whole number: " + text);
        }
        if (value < min || value > max) {
            throw new IllegalArgumentException("must be between " + min + " and " + max + ": " + text);
        }
        return value;
    }

    static boolean bool(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("must be true or false: " + text);
        };
    }

    /** {@code 512}, {@code 64KB}, {@code 128MB}, {@code 1GB} (binary units). */
    static long sizeIn(String text, long min, long max) {
        String upper = text.toUpperCase(Locale.ROOT).replace(" ", "");
        long unit = 1;
        String number = upper;
        for (String[] suffix : new String[][]{{"KB", "1024"}, {"MB", "1048576"}, {"GB", "1073741824"}, {"B", "1"}}) {
            if (upper.endsWith(suffix[0])) {
                unit = Long.parseLong(suffix[1]);
                number = upper.substring(0, upper.length() - suffix[0].length());
                break;
            }
        }
        long value;
        try {
            value = Math.multiplyExact(Long.parseLong(number), unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("not a size such as 128MB: " + text);
        }
        if (value < min || value > max) {
            throw new IllegalArgumentException("must be between " + min + " and " + max + " bytes: " + text);
        }
        return value;
    }

    /** {@code 90d}, {@code 24h}, {@code 15m}, {@code 30s}, {@code 500ms}. */
    static Duration durationAtLeast(String text, Duration min) {
        Duration value;
        try {
            if (text.endsWith("ms")) {
                value = Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
            } else {
                long amount = Long.parseLong(text.substring(0, text.length() - 1));
                value = switch (text.charAt(text.length() - 1)) {
                    case 'd' -> Duration.ofDays(amount);
                    case 'h' -> Duration.ofHours(amount);
                    case 'm' -> Duration.ofMinutes(amount);
                    case 's' -> Duration.ofSeconds(amount);
                    default -> throw new IllegalArgumentException();
                };
            }
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a duration such as 90d, 24h, 15m or 30s: " + text);
        }
        if (value.compareTo(min) < 0) {
            throw new IllegalArgumentException("must be at least " + min + ": " + text);
        }
        return value;
    }

    /** Every problem found in a configuration. */
    public static final class ConfigException extends IllegalArgumentException {
        private final List<String> problems;

        public ConfigException(List<String> problems) {
            super("invalid configuration:\n  " + String.join("\n  ", problems));
            this.problems = List.copyOf(problems);
        }

        public List<String> problems() {
            return problems;
        }
    }
}
