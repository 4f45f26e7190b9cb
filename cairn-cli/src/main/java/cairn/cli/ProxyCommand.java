package cairn.cli;

import cairn.capture.AuditClient;
import cairn.capture.CallRecorder;
import cairn.capture.Credentials;
import cairn.capture.Mode;
import cairn.capture.Redactor;
import cairn.capture.Route;
import cairn.capture.proxy.AwsNamer;
import cairn.capture.proxy.RecordingProxy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code cairn proxy --upstream URL}: a reverse proxy in front of any HTTP API that records every call passing through
 * as a CloudTrail event in Cairn (see {@link RecordingProxy}).
 */
@Command(name = "proxy", mixinStandardHelpOptions = true,
        description = "Runs a reverse proxy that records every call to the upstream API as a CloudTrail event.")
final class ProxyCommand implements Callable<Integer> {
    @Option(names = "--upstream", required = true, description = "the API to forward to, e.g. http://127.0.0.1:5000")
    URI upstream;

    @Option(names = "--port", defaultValue = "8746", description = "port to listen on (default: 8746; 0: any)")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to listen on (default: 127.0.0.1)")
    String host;

    @Option(names = "--endpoint-url", defaultValue = "http://127.0.0.1:8745",
            description = "the Cairn server records go to (default: http://127.0.0.1:8745)")
    URI cairn;

    @Option(names = "--region", defaultValue = "us-east-1",
            description = "the region records are signed for and recorded in (default: us-east-1)")
    String region;

    @Option(names = "--access-key-id", description = "a Cairn writer key (default: AWS_ACCESS_KEY_ID)")
    String accessKeyId;

    @Option(names = "--secret-access-key", description = "its secret (default: AWS_SECRET_ACCESS_KEY)")
    String secretAccessKey;

    @Option(names = "--event-source", description = "eventSource of calls that are not AWS-style (default: the "
            + "upstream's host)")
    String eventSource;

    @Option(names = "--route", description = "names an operation: \"METHOD /path/{var} EventName\" (repeatable)")
    List<String> routes = new ArrayList<>();

    @Option(names = "--mode", defaultValue = "fail-open", description = "fail-open (default: serve, spill records "
            + "Cairn cannot take yet) or fail-closed (refuse calls whose record Cairn did not accept)")
    String mode;

    @Option(names = "--spill-folder", defaultValue = "cairn-spill",
            description = "where records wait while Cairn is unreachable (default: ./cairn-spill)")
    Path spillFolder;

    @Option(names = "--trusted-proxy", description = "an address or block whose X-Forwarded-For is believed "
            + "(repeatable)")
    List<String> trustedProxies = new ArrayList<>();

    @Option(names = "--redact", description = "a field to replace by its HMAC: a name, or a path such as "
            + "$.credentials.token (repeatable; default: password, secret, token, ...)")
    List<String> redact = new ArrayList<>();

    @Option(names = "--redaction-key-file", defaultValue = "cairn-proxy.key",
            description = "the HMAC key of redacted values, made (32 random bytes, owner-only) when missing")
    Path keyFile;

    @Option(names = "--max-body-bytes", defaultValue = "16384",
            description = "bodies longer than this are recorded as a marked prefix (default: 16384)")
    int maxBodyBytes;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        // SigV4 signs the Host header: pass the client's on to the upstream (the JDK's client restricts it).
        System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host");
        Mode chosen;
        switch (mode) {
            case "fail-open" -> chosen = Mode.FAIL_OPEN;
            case "fail-closed" -> chosen = Mode.FAIL_CLOSED;
            default -> {
                spec.commandLine().getErr().println("cairn: --mode is fail-open or fail-closed, not " + mode);
                return 2;
            }
        }
        String key = Optional.ofNullable(accessKeyId).or(() -> env("AWS_ACCESS_KEY_ID")).orElse(null);
        String secret = Optional.ofNullable(secretAccessKey).or(() -> env("AWS_SECRET_ACCESS_KEY")).orElse(null);
        if (key == null || secret == null) {
            spec.commandLine().getErr().println("cairn: give a Cairn writer key with --access-key-id and "
                    + "--secret-access-key, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
            return 2;
        }
        CallRecorder.Builder recorder;
        try {
            recorder = CallRecorder.builder(Optional.ofNullable(eventSource).orElse(upstream.getHost()),
                    redactionKey(keyFile)).region(region).namer(new AwsNamer()).maxBodyBytes(maxBodyBytes);
            for (String route : routes) {
                String[] parts = route.trim().split("\\s+");
                if (parts.length != 3) {
                    throw new IllegalArgumentException("a route is \"METHOD /path EventName\", not: " + route);
                }
                recorder.route(Route.of(parts[0], parts[1], parts[2]));
            }
            trustedProxies.forEach(recorder::trustProxy);
            if (!redact.isEmpty()) {
                Set<String> fields = new HashSet<>(Redactor.DEFAULT_NAMES);
                fields.addAll(redact);
                recorder.redact(fields);
            }
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("cairn: " + e.getMessage());
            return 2;
        }
        Optional<String> token = env("AWS_SESSION_TOKEN").filter(value -> accessKeyId == null);
        AuditClient client = AuditClient.builder(cairn, new Credentials(key, secret, token)).region(region)
                .spillFolder(spillFolder).build();
        RecordingProxy proxy = RecordingProxy.start(new InetSocketAddress(host, port), upstream, recorder.build(),
                client, chosen, Duration.ofSeconds(5), Clock.systemUTC());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            proxy.close();
            client.close();
            stopped.countDown();
        }, "cairn-proxy-shutdown"));
        spec.commandLine().getOut().println("Cairn proxy on http://" + host + ":" + proxy.port() + " -> " + upstream
                + ", recording into " + cairn + " (" + mode + ")");
        spec.commandLine().getOut().flush();
        stopped.await();
        return 0;
    }

    private static Optional<String> env(String name) {
        return Optional.ofNullable(System.getenv(name)).filter(value -> !value.isBlank());
    }

    /** The key in {@code file}, or a new random one written there, readable by its owner only. */
    static byte[] redactionKey(Path file) {
        try {
            if (Files.exists(file)) {
                return Files.readAllBytes(file);
            }
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(file, key);
            return key;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read or create the redaction key " + file + ": "
                    + e.getMessage(), e);
        }
    }
}
