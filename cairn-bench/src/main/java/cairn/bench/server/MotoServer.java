package cairn.bench.server;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/** The preinstalled moto server, started on a free port with one bucket, and an SDK client of it. */
public final class MotoServer implements AutoCloseable {
    private final Process process;
    private final URI endpoint;
    private final String bucket;
    private final S3Client s3;

    private MotoServer(Process process, URI endpoint, String bucket) {
        this.process = process;
        this.endpoint = endpoint;
        this.bucket = bucket;
        this.s3 = S3Client.builder().endpointOverride(endpoint).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("testing",
                        "testing")))
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClient(UrlConnectionHttpClient.create()).build();
    }

    /** Starts moto and creates {@code bucket} in it, within 30 seconds. */
    public static MotoServer start(String bucket) throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Process process = new ProcessBuilder("moto_server", "-H", "127.0.0.1", "-p", String.valueOf(port))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        MotoServer moto = new MotoServer(process, URI.create("http://127.0.0.1:" + port), bucket);
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            try {
                moto.s3.createBucket(request -> request.bucket(bucket));
                return moto;
            } catch (RuntimeException e) {
                if (System.currentTimeMillis() > deadline || !process.isAlive()) {
                    moto.close();
                    throw new IOException("moto_server did not start on " + moto.endpoint, e);
                }
                Thread.sleep(200);
            }
        }
    }

    public URI endpoint() {
        return endpoint;
    }

    public String bucket() {
        return bucket;
    }

    public S3Client s3() {
        return s3;
    }

    /** moto's CPU time so far, in seconds. */
    public double cpuSeconds() {
        return process.toHandle().info().totalCpuDuration().map(duration -> duration.toNanos() / 1e9)
                .orElse(Double.NaN);
    }

    /** The keys of the bucket under {@code prefix}, in order. */
    public List<String> keys(String prefix) {
        List<String> keys = new ArrayList<>();
        String token = null;
        do {
            String continuation = token;
            ListObjectsV2Response page = s3.listObjectsV2(request -> {
                request.bucket(bucket).prefix(prefix);
                if (continuation != null) {
                    request.continuationToken(continuation);
                }
            });
            page.contents().stream().map(S3Object::key).forEach(keys::add);
            token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
        } while (token != null);
        return keys;
    }

    /** Stops moto, waiting up to 10 seconds before killing it. */
    @Override
    public void close() {
        s3.close();
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
