package cairn.bench.auth;

import cairn.server.audit.Call;
import cairn.server.auth.Authenticator;
import cairn.server.auth.SigV4Verifier;
import cairn.server.identity.Directory;
import cairn.server.identity.PermissionSet;
import cairn.server.identity.Principal;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What checking a signature costs a request: a LookupEvents call (or a native batch of {@code bodyBytes}) signed by
 * the AWS SDK for Java v2's own signer with the headers the SDK sends, verified by {@link SigV4Verifier} alone
 * ({@code verify}) and by the edge's whole {@link Authenticator} ({@code authenticate}: scope, identity directory
 * lookup, key checks, verification). Sample-time mode, so JMH reports p50 and p99.
 * <p>Run: {@code java -jar cairn-bench/target/cairn-bench.jar cairn.bench.auth.SigV4Benchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx512m"})
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
public class SigV4Benchmark {
    private static final String ACCOUNT = "123456789012";
    private static final Set<String> SERVICES = Set.of("cloudtrail");

    /** 100: a LookupEvents body; 65536: a native batch of about a hundred records. */
    @Param({"100", "65536"})
    public int bodyBytes;

    private Path folder;
    private SigV4Verifier verifier;
    private Authenticator authenticator;
    private SigV4Verifier.Request request;
    private String secret;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        folder = Files.createTempDirectory("cairn-sigv4-bench");
        Instant now = Instant.now();
        Clock clock = Clock.fixed(now, ZoneOffset.UTC);
        Directory directory = Directory.open(folder, clock);
        directory.createAccount(Optional.of(ACCOUNT), "bench");
        directory.createPrincipal(ACCOUNT, Principal.Type.USER, "auditor", PermissionSet.AUDITOR, List.of());
        Directory.NewKey key = directory.createAccessKey(ACCOUNT, "auditor");
        secret = key.secret();
        verifier = new SigV4Verifier(clock, region -> true);
        authenticator = new Authenticator(directory, clock, region -> true);
        request = signed(AwsCredentialsIdentity.create(key.key().id(), key.secret()), body(bodyBytes), clock);
    }

    private static byte[] body(int size) {
        StringBuilder text = new StringBuilder("{\"MaxResults\":50,\"LookupAttributes\":[{\"AttributeKey\":"
                + "\"EventName\",\"AttributeValue\":\"");
        while (text.length() < size - 4) {
            text.append('x');
        }
        return text.append("\"}]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Signed as {@code CloudTrailClient.lookupEvents} signs: the SDK's headers, the payload hashed. */
    private static SigV4Verifier.Request signed(AwsCredentialsIdentity credentials, byte[] body, Clock clock) {
        SdkHttpRequest unsigned = SdkHttpRequest.builder().method(SdkHttpMethod.POST)
                .uri(URI.create("http://127.0.0.1:8745/"))
                .putHeader("Content-Type", "application/x-amz-json-1.1")
                .putHeader("X-Amz-Target", "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents")
                .putHeader("amz-sdk-invocation-id", UUID.randomUUID().toString())
                .putHeader("amz-sdk-request", "attempt=1; max=4")
                .putHeader("Content-Length", String.valueOf(body.length))
                .putHeader("User-Agent", "aws-sdk-java/2.40.2 md/io#sync md/http#UrlConnection ua/2.1 "
                        + "os/Linux#6.1 lang/java#25 md/OpenJDK_64-Bit_Server_VM#25 md/vendor#Eclipse_Adoptium "
                        + "md/en_US m/D,N")
                .build();
        SignedRequest signed = AwsV4HttpSigner.create().sign(signing -> signing.identity(credentials)
                .request(unsigned)
                .payload(ContentStreamProvider.fromByteArray(body))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "cloudtrail")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(HttpSigner.SIGNING_CLOCK, clock));
        Map<String, List<String>> headers = new LinkedHashMap<>();
        signed.request().forEachHeader((name, values) -> headers.put(name, new ArrayList<>(values)));
        headers.putIfAbsent("Host", List.of("127.0.0.1:8745"));
        return new SigV4Verifier.Request("POST", "/", "", headers, body);
    }

    @Benchmark
    public SigV4Verifier.Signer verify() {
        return verifier.verify(request, SERVICES, (accessKeyId, sessionToken) -> Optional.of(secret));
    }

    @Benchmark
    public Object authenticate() {
        Call call = new Call("request", Instant.EPOCH, "127.0.0.1", Optional.empty());
        return authenticator.authenticate(call, request, Optional.empty(), SERVICES);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }
}
