package cairn.server.config;

import cairn.delivery.objectstore.s3.S3Settings;
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
                          Delivery delivery, List<S3Settings> s3, Console console) {
    public CairnConfig {
        requireNonNull(server, "server is null");
        requireNonNull(dataDirectory, "dataDirectory is null");
        requireNonNull(store, "store is null");
        requireNonNull(ingest, "ingest is null");
        requireNonNull(history, "history is null");
        requireNonNull(delivery, "delivery is null");
        s3 = List.copyOf(s3);
        requireNonNull(console, "console is null");
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

    /**
     * The web console, on its own port.
     *
     * @param enabled whether it is served
     * @param host where it listens
     * @param port its port ({@code auto}: the API's port plus one, or any free port when the API's is 0)
     * @param initialPassword the first administrator's console password, set when the data folder has no console
     *        passwords yet (empty: a random one, printed once)
     * @param tlsKeystore a PKCS#12 key store holding the console's key and certificate chain: served over HTTPS
     *        (empty: plain HTTP)
     * @param tlsKeystorePassword the key store's password (and its key's)
     * @param publicUrl the address browsers reach the console at when it is behind a reverse proxy (its origin is
     *        then the console's own for the cross-site checks, its host is answered also on a loopback address, and
     *        cookies are {@code Secure} when it is HTTPS); empty: the address each request was sent to
     */
    public record Console(boolean enabled, String host, int port, String initialPassword, Optional<Path> tlsKeystore,
                          String tlsKeystorePassword, Optional<java.net.URI> publicUrl) {
        public Console {
            requireNonNull(host, "host is null");
            requireNonNull(initialPassword, "initialPassword is null");
            requireNonNull(tlsKeystore, "tlsKeystore is null");
            requireNonNull(tlsKeystorePassword, "tlsKeystorePassword is null");
            requireNonNull(publicUrl, "publicUrl is null");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0..65535: " + port);
            }
        }

        public Console(boolean enabled, String host, int port, String initialPassword) {
            this(enabled, host, port, initialPassword, Optional.empty(), "", Optional.empty());
        }

        @Override
        public String toString() {
            return "Console[enabled=" + enabled + ", host=" + host + ", port=" + port + ", initialPassword="
                    + (initialPassword.isEmpty() ? "" : "(set)") + ", tlsKeystore=" + tlsKeystore
                    + ", tlsKeystorePassword=" + (tlsKeystorePassword.isEmpty() ? "" : "(set)") + ", publicUrl="
                    + publicUrl + "]";
        }
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
     * @param digestPeriod how often trails that validate their log files deliver a digest (CloudTrail: an hour)
     */
    public record Delivery(Duration interval, int gzipLevel, long maxFileBytes, int compressionThreads,
                           boolean createBuckets, Duration digestPeriod) {
        public Delivery {
            requireNonNull(interval, "interval is null");
            requireNonNull(digestPeriod, "digestPeriod is null");
        }

        public Delivery(Duration interval, int gzipLevel, long maxFileBytes, int compressionThreads,
                        boolean createBuckets) {
            this(interval, gzipLevel, maxFileBytes, compressionThreads, createBuckets,
                    cairn.delivery.trail.DeliveryConfig.DIGEST_PERIOD);
        }

        public cairn.delivery.trail.DeliveryConfig toDeliveryConfig() {
            return new cairn.delivery.trail.DeliveryConfig(interval, gzipLevel, maxFileBytes, compressionThreads,
                    digestPeriod);
        }
    }

    public static final Map<String, String> DEFAULTS = defaults();

    /**
     * The keys of each S3 connection named in {@code s3.connections}, {@code s3.<name>.<key>}, with their defaults
     * (null: none).
     */
    public static final Map<String, String> S3_DEFAULTS = s3Defaults();

    private static Map<String, String> s3Defaults() {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("endpoint", null);
        values.put("region", "us-east-1");
        values.put("path-style", "true");
        values.put("access-key-id", null);
        values.put("secret-access-key", null);
        values.put("session-token", null);
        values.put("ca-file", null);
        values.put("timeout", "30s");
        values.put("multipart-threshold", "16MB");
        values.put("buckets", null);
        return java.util.Collections.unmodifiableMap(values);
    }

    private static final java.util.regex.Pattern CONNECTION_NAME = java.util.regex.Pattern.compile("[a-z][a-z0-9-]{0,31}");

    /** The connection names a value of {@code s3.connections} gives (bad names are left to the checks). */
    private static List<String> connectionNames(String text) {
        if (text == null || text.isBlank()) {
            return List.of();
        }
        return java.util.Arrays.stream(text.split(",")).map(String::strip).filter(name -> !name.isEmpty()).toList();
    }

    /** Every key this configuration knows: the fixed ones and those of the S3 connections it names. */
    private static java.util.Set<String> knownKeys(String connections) {
        java.util.Set<String> keys = new java.util.LinkedHashSet<>(DEFAULTS.keySet());
        for (String name : connectionNames(connections)) {
            for (String field : S3_DEFAULTS.keySet()) {
                keys.add("s3." + name + "." + field);
            }
        }
        return keys;
    }

    /** Puts the environment's values of the keys over {@code merged}: the fixed keys, then the connections' ones. */
    private static void overrideFromEnvironment(Map<String, String> merged, Map<String, String> environment) {
        for (String key : DEFAULTS.keySet()) {
            String variable = environmentName(key);
            if (environment.containsKey(variable)) {
                merged.put(key, environment.get(variable));
            }
        }
        for (String key : knownKeys(merged.get("s3.connections"))) {
            String variable = environmentName(key);
            if (!DEFAULTS.containsKey(key) && environment.containsKey(variable)) {
                merged.put(key, environment.get(variable));
            }
        }
    }

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
        values.put("delivery.digest-period", "1h");
        values.put("s3.connections", "");
        values.put("console.enabled", "true");
        values.put("console.host", "");
        values.put("console.port", "auto");
        values.put("console.initial-password", "");
        values.put("console.tls-keystore", "");
        values.put("console.tls-keystore-password", "");
        values.put("console.public-url", "");
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
        overrideFromEnvironment(merged, environment);
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
        overrideFromEnvironment(merged, environment);
        return build(merged, environment);
    }

    /** Checks and types the values (over the defaults); {@code environment} is only checked for unknown names. */
    private static CairnConfig build(Map<String, String> explicit, Map<String, String> environment) {
        List<String> problems = new ArrayList<>();
        Map<String, String> values = new LinkedHashMap<>(DEFAULTS);
        java.util.Set<String> known = knownKeys(explicit.getOrDefault("s3.connections", ""));
        for (Map.Entry<String, String> entry : explicit.entrySet()) {
            if (!known.contains(entry.getKey())) {
                problems.add("unknown key: " + entry.getKey());
            } else {
                values.put(entry.getKey(), entry.getValue());
            }
        }
        for (Map.Entry<String, String> entry : environment.entrySet()) {
            if (entry.getKey().startsWith("CAIRN_") && known.stream()
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
        Duration digestPeriod = reader.get("delivery.digest-period", text -> durationWholeSeconds(text,
                Duration.ofSeconds(1), Duration.ofDays(1)));
        Boolean consoleEnabled = reader.get("console.enabled", CairnConfig::bool);
        String consoleHost = reader.get("console.host", text -> text.isBlank() ? host : text.strip());
        Integer consolePort = reader.get("console.port", text -> text.equals("auto")
                ? (port == null || port == 0 ? 0 : port < 65535 ? port + 1 : 0) : intIn(text, 0, 65535));
        String initialPassword = reader.get("console.initial-password", text -> {
            if (!text.isEmpty() && (text.length() < 12 || text.length() > 256)) {
                throw new IllegalArgumentException("a console password is 12 to 256 characters, not "
                        + text.length());
            }
            return text;
        });
        Optional<Path> tlsKeystore = reader.get("console.tls-keystore", text -> {
            if (text.isEmpty()) {
                return Optional.<Path>empty();
            }
            Path path = Path.of(text);
            if (!Files.isReadable(path)) {
                throw new IllegalArgumentException("no readable key store at " + path);
            }
            return Optional.of(path);
        });
        String tlsPassword = reader.get("console.tls-keystore-password", text -> text);
        Optional<java.net.URI> publicUrl = reader.get("console.public-url", CairnConfig::publicUrl);
        if (segmentBytes != null && maxRequest != null && maxRequest > segmentBytes / 2) {
            problems.add("ingest.max-request-size (" + maxRequest + " bytes) must be at most half of "
                    + "store.segment-size (" + segmentBytes + " bytes), so that a whole batch fits in one segment");
        }
        List<S3Settings> connections = s3Connections(values, problems);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new CairnConfig(new Server(host, port, regions), data, new Store(segmentBytes),
                new Ingest(maxRequest, maxRecords), new History(retention, tokenTtl, multi, check),
                new Delivery(interval, gzipLevel, maxFile, threads, createBuckets, digestPeriod), connections,
                new Console(consoleEnabled, consoleHost == null ? "" : consoleHost, consolePort, initialPassword,
                        tlsKeystore, tlsPassword, publicUrl == null ? Optional.empty() : publicUrl));
    }

    /** An http or https URL of a host (and port), nothing after it but {@code /}; empty for an empty text. */
    private static Optional<java.net.URI> publicUrl(String text) {
        if (text.isBlank()) {
            return Optional.empty();
        }
        String problem = "an http or https URL with a host and nothing after it, like https://cairn.example.com, "
                + "not " + text;
        java.net.URI url;
        try {
            url = new java.net.URI(text.strip());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException(problem);
        }
        if (url.getScheme() == null || !(url.getScheme().equals("http") || url.getScheme().equals("https"))
                || url.getHost() == null || url.getRawUserInfo() != null || url.getRawQuery() != null
                || url.getRawFragment() != null || !(url.getRawPath().isEmpty() || url.getRawPath().equals("/"))) {
            throw new IllegalArgumentException(problem);
        }
        // As browsers write an origin: the host in lower case, the scheme's default port left out.
        int port = url.getPort();
        boolean defaultPort = port < 0 || port == (url.getScheme().equals("https") ? 443 : 80);
        return Optional.of(java.net.URI.create(url.getScheme() + "://"
                + url.getHost().toLowerCase(java.util.Locale.ROOT) + (defaultPort ? "" : ":" + port)));
    }

    /** The S3 connections, each checked; a bucket may live in one connection only, and {@code *} in one at most. */
    private static List<S3Settings> s3Connections(Map<String, String> values, List<String> problems) {
        List<S3Settings> connections = new ArrayList<>();
        Map<String, String> owners = new LinkedHashMap<>();
        for (String name : connectionNames(values.get("s3.connections"))) {
            if (!CONNECTION_NAME.matcher(name).matches()) {
                problems.add("s3.connections: not a connection name (a-z, 0-9 and -, starting with a letter): "
                        + name);
                continue;
            }
            String prefix = "s3." + name + ".";
            Map<String, String> fields = new LinkedHashMap<>();
            S3_DEFAULTS.forEach((field, fallback) -> fields.put(prefix + field, values.getOrDefault(prefix + field,
                    fallback)));
            int before = problems.size();
            for (Map.Entry<String, String> field : fields.entrySet()) {
                if (field.getValue() != null && field.getValue().isBlank()) {
                    problems.add(field.getKey() + ": empty");
                }
            }
            if (problems.size() > before) {
                continue;
            }
            Reader reader = new Reader(fields, problems);
            java.net.URI endpoint = fields.get(prefix + "endpoint") == null ? null
                    : reader.get(prefix + "endpoint", text -> {
                        java.net.URI uri = java.net.URI.create(text);
                        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())
                                || uri.getHost() == null) {
                            throw new IllegalArgumentException("not an http or https URL: " + text);
                        }
                        return uri;
                    });
            String region = reader.get(prefix + "region", text -> text);
            Boolean pathStyle = reader.get(prefix + "path-style", CairnConfig::bool);
            Path caFile = fields.get(prefix + "ca-file") == null ? null : reader.get(prefix + "ca-file", text -> {
                Path file = Path.of(text);
                if (!Files.isReadable(file)) {
                    throw new IllegalArgumentException("cannot read " + file);
                }
                return file;
            });
            Duration timeout = reader.get(prefix + "timeout", text -> durationAtLeast(text, Duration.ofMillis(100)));
            Long threshold = reader.get(prefix + "multipart-threshold", text -> sizeIn(text,
                    S3Settings.MIN_PART_BYTES, 5L << 30));
            List<String> buckets = fields.get(prefix + "buckets") == null ? List.of()
                    : connectionNames(fields.get(prefix + "buckets"));
            if (buckets.isEmpty()) {
                problems.add(prefix + "buckets: give the buckets that live in this connection (or *)");
            }
            for (String bucket : buckets) {
                String previous = owners.put(bucket, name);
                if (previous != null) {
                    problems.add(prefix + "buckets: " + bucket + " is in connection " + previous + " already");
                }
            }
            if ((fields.get(prefix + "access-key-id") == null) != (fields.get(prefix + "secret-access-key") == null)) {
                problems.add(prefix + "access-key-id and " + prefix + "secret-access-key go together");
            }
            if (problems.size() == before) {
                connections.add(new S3Settings(name, Optional.ofNullable(endpoint), region, pathStyle,
                        Optional.ofNullable(fields.get(prefix + "access-key-id")),
                        Optional.ofNullable(fields.get(prefix + "secret-access-key")),
                        Optional.ofNullable(fields.get(prefix + "session-token")), Optional.ofNullable(caFile),
                        timeout, threshold, buckets));
            }
        }
        return connections;
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
    /** A duration of whole seconds in {@code [min, max]}. */
    static Duration durationWholeSeconds(String text, Duration min, Duration max) {
        Duration value = durationAtLeast(text, min);
        if (value.compareTo(max) > 0 || value.toMillis() % 1000 != 0) {
            throw new IllegalArgumentException("must be whole seconds, at most " + max + ": " + text);
        }
        return value;
    }

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
