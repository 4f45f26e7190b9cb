package cairn.capture.proxy;

import cairn.capture.AuditClient;
import cairn.capture.CallRecorder;
import cairn.capture.Credentials;
import cairn.capture.Mode;
import cairn.server.testing.RunningCairn;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.services.cloudtrail.CloudTrailClient;
import software.amazon.awssdk.services.cloudtrail.model.Event;
import software.amazon.awssdk.services.cloudtrail.model.LookupAttribute;
import software.amazon.awssdk.services.cloudtrail.model.LookupAttributeKey;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** What the proxy tests share: the AWS CLI, LookupEvents in Cairn, and the JDK's Host header rule. */
final class ProxyTesting {
    static final ObjectMapper JSON = new ObjectMapper();
    /** The key the AWS CLI signs with: moto takes any; the proxy records it as the caller's. */
    static final String CALLER_KEY = "AKIAPROXYTEST0000001";
    static final String CALLER_SECRET = "proxy-test-secret";
    static final String REGION = "us-east-1";
    static final String ALLOW_RESTRICTED_HEADERS = "jdk.httpclient.allowRestrictedHeaders";

    private ProxyTesting() {
    }

    /** One run of the AWS CLI. */
    record Cli(int exitCode, String stdout, String stderr) {
    }

    /**
     * Runs {@code aws --endpoint-url endpoint --region us-east-1 --output json arguments...} in {@code folder} (where
     * relative output files go), as {@link #CALLER_KEY}, isolated from any AWS configuration, without retries.
     */
    static Cli aws(URI endpoint, Path folder, String... arguments) {
        List<String> command = new ArrayList<>(List.of("aws", "--endpoint-url", endpoint.toString(), "--region",
                REGION, "--output", "json"));
        command.addAll(List.of(arguments));
        try {
            Files.createDirectories(folder);
            Path out = Files.createTempFile(folder, "aws", ".out");
            Path err = Files.createTempFile(folder, "aws", ".err");
            ProcessBuilder builder = new ProcessBuilder(command).directory(folder.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            Map<String, String> environment = builder.environment();
            environment.keySet().removeIf(key -> key.startsWith("AWS_"));
            environment.put("AWS_ACCESS_KEY_ID", CALLER_KEY);
            environment.put("AWS_SECRET_ACCESS_KEY", CALLER_SECRET);
            environment.put("AWS_CONFIG_FILE", "/dev/null");
            environment.put("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
            environment.put("AWS_PAGER", "");
            environment.put("AWS_MAX_ATTEMPTS", "1");
            environment.put("AWS_RETRY_MODE", "standard");
            Process process = builder.start();
            process.getOutputStream().close();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("aws did not finish: " + command);
            }
            Cli result = new Cli(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
            Files.delete(out);
            Files.delete(err);
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Headers shaped as an AWS SDK signs an S3 call with SigV4 as {@link #CALLER_KEY} (moto does not check the
     * signature; the proxy reads the key and the service from the credential scope).
     */
    static HttpRequest.Builder signedS3(HttpRequest.Builder request) {
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
        return request.header("X-Amz-Date", DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").format(now))
                .header("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
                .header("Authorization", "AWS4-HMAC-SHA256 Credential=" + CALLER_KEY + "/"
                        + DateTimeFormatter.BASIC_ISO_DATE.format(now).substring(0, 8)
                        + "/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
                        + "Signature=" + "0".repeat(64));
    }

    /**
     * Waits until the client has had {@code records} records accepted by Cairn. {@link AuditClient#flush} is called
     * first (it sends at once what waits for a backoff), but its answer is not relied on: it can say false, after its
     * whole timeout, though nothing is left to send (see {@link RecordingProxyAuditFlushTest}).
     */
    static void flushed(AuditClient client, long records) throws InterruptedException {
        client.flush(Duration.ofMillis(200));
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (client.sent() < records && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        if (client.sent() < records) {
            throw new AssertionError("the audit client sent " + client.sent() + " of " + records + " records");
        }
    }

    /** The records (CloudTrailEvent, parsed) Cairn's LookupEvents gives for one attribute, as the administrator. */
    static List<JsonNode> lookup(RunningCairn cairn, LookupAttributeKey key, String value) {
        try (CloudTrailClient client = cairn.sdk(CloudTrailClient.builder(), REGION).build()) {
            List<JsonNode> records = new ArrayList<>();
            LookupAttribute attribute = LookupAttribute.builder().attributeKey(key).attributeValue(value).build();
            for (Event event : client.lookupEventsPaginator(request -> request.maxResults(50)
                    .lookupAttributes(attribute)).events()) {
                records.add(JSON.readTree(event.cloudTrailEvent()));
            }
            return records;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Whether the JDK's HttpClient lets a request set {@code Host}: only when
     * {@code jdk.httpclient.allowRestrictedHeaders} named it before the JDK first read it (once, when its HTTP client
     * classes are first used in the JVM).
     */
    static boolean jdkAllowsHost() {
        try {
            HttpRequest.newBuilder(URI.create("http://127.0.0.1/")).header("Host", "example.com");
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Sets {@code jdk.httpclient.allowRestrictedHeaders=host} as the {@code cairn} command does, before this JVM's
     * HTTP client first reads it if nothing else used the client before. Returns whether the JDK took it.
     */
    static boolean allowHostHeader() {
        System.setProperty(ALLOW_RESTRICTED_HEADERS, "host");
        return jdkAllowsHost();
    }

    /**
     * A proxy on a free loopback port. It forwards {@code Host} when the property says so; should the JDK have read
     * the property before it was set (another test used the HTTP client first), the property is left out while the
     * proxy starts, so that the proxy does not try what the JDK refuses (that case has its own test).
     */
    static RecordingProxy proxy(URI upstream, CallRecorder recorder, AuditClient client, Mode mode)
            throws IOException {
        String property = System.getProperty(ALLOW_RESTRICTED_HEADERS);
        boolean hide = property != null && !jdkAllowsHost();
        if (hide) {
            System.clearProperty(ALLOW_RESTRICTED_HEADERS);
        }
        try {
            return RecordingProxy.start(new InetSocketAddress("127.0.0.1", 0), upstream, recorder, client, mode,
                    Duration.ofSeconds(5), Clock.systemUTC());
        } finally {
            if (hide) {
                System.setProperty(ALLOW_RESTRICTED_HEADERS, property);
            }
        }
    }

    /** The recorder {@code cairn proxy} builds: AWS naming, default redaction, {@code maxBodyBytes} of body kept. */
    static CallRecorder recorder(int maxBodyBytes) {
        return CallRecorder.builder("127.0.0.1", "proxy-test-redaction-key".getBytes(StandardCharsets.UTF_8))
                .region(REGION).namer(new AwsNamer()).maxBodyBytes(maxBodyBytes).build();
    }

    /** An audit client sending to Cairn with a writer's key, spilling to {@code spill}, with no shutdown hook. */
    static AuditClient.Builder auditClient(URI cairn, AwsCredentialsIdentity writer, Path spill) {
        return AuditClient.builder(cairn, new Credentials(writer.accessKeyId(), writer.secretAccessKey()))
                .region(REGION).spillFolder(spill).shutdownHook(false);
    }
}
