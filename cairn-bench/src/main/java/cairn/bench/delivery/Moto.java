package cairn.bench.delivery;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The preinstalled moto server as the benchmark's S3 store: started on a free port with one bucket, watched every
 * 50 ms so that each object's first visible time is known to the millisecond (S3's LastModified has seconds), and
 * measured as a ceiling with {@code aws s3 cp} of the same files.
 */
final class Moto implements AutoCloseable {
    private final Process process;
    private final URI endpoint;
    private final String bucket;
    private final S3Client s3;
    private final Map<String, Long> firstSeen = new ConcurrentHashMap<>();
    private final Thread watcher;
    private volatile boolean closed;

    private Moto(Process process, URI endpoint, String bucket) {
        this.process = process;
        this.endpoint = endpoint;
        this.bucket = bucket;
        this.s3 = S3Client.builder().endpointOverride(endpoint).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("testing",
                        "testing")))
                .httpClient(UrlConnectionHttpClient.create()).build();
        this.watcher = new Thread(this::watch, "moto-watcher");
        this.watcher.setDaemon(true);
    }

    static Moto start(String bucket) throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Process process = new ProcessBuilder("moto_server", "-H", "127.0.0.1", "-p", String.valueOf(port))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        URI endpoint = URI.create("http://127.0.0.1:" + port);
        Moto moto = new Moto(process, endpoint, bucket);
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            try {
                moto.s3.createBucket(request -> request.bucket(bucket));
                break;
            } catch (RuntimeException e) {
                if (System.currentTimeMillis() > deadline || !process.isAlive()) {
                    process.destroyForcibly();
                    throw new IOException("moto_server did not start on " + endpoint, e);
                }
                Thread.sleep(200);
            }
        }
        moto.watcher.start();
        return moto;
    }

    URI endpoint() {
        return endpoint;
    }

    long count() {
        return firstSeen.size();
    }

    private void watch() {
        while (!closed) {
            try {
                long now = System.currentTimeMillis();
                for (String key : keys()) {
                    firstSeen.putIfAbsent(key, now);
                }
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // moto busy or stopping: look again
            }
        }
    }

    private List<String> keys() {
        List<String> keys = new ArrayList<>();
        String token = null;
        do {
            String continuation = token;
            ListObjectsV2Response page = s3.listObjectsV2(request -> {
                request.bucket(bucket);
                if (continuation != null) {
                    request.continuationToken(continuation);
                }
            });
            page.contents().stream().map(S3Object::key).forEach(keys::add);
            token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
        } while (token != null);
        return keys;
    }

    /** Every delivered object, with the time it was first seen. */
    List<DeliveryLoad.DeliveredFile> files() {
        List<DeliveryLoad.DeliveredFile> files = new ArrayList<>();
        for (String key : keys().stream().sorted().toList()) {
            byte[] bytes = s3.getObjectAsBytes(request -> request.bucket(bucket).key(key)).asByteArray();
            files.add(new DeliveryLoad.DeliveredFile(firstSeen.getOrDefault(key, System.currentTimeMillis()), bytes));
        }
        return files;
    }

    /**
     * Uploads the same files with {@code aws s3 cp --recursive} into another bucket and returns the events per second
     * that rate would carry (events counted by their {@code "eventID"} fields).
     */
    double awsS3CopyEventsPerSecond(List<DeliveryLoad.DeliveredFile> files, Path scratch) throws Exception {
        Path folder = Files.createDirectories(scratch.resolve("aws-s3-cp"));
        long events = 0;
        for (int i = 0; i < files.size(); i++) {
            byte[] gzip = files.get(i).gzip();
            Files.write(folder.resolve(i + ".json.gz"), gzip);
            try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(gzip))) {
                String text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                events += text.split("\"eventID\":\"", -1).length - 1;
            }
        }
        s3.createBucket(request -> request.bucket("aws-s3-cp"));
        ProcessBuilder command = new ProcessBuilder("aws", "--endpoint-url", endpoint.toString(), "--region",
                "us-east-1", "s3", "cp", "--recursive", "--quiet", folder.toString(), "s3://aws-s3-cp/")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        command.environment().put("AWS_ACCESS_KEY_ID", "testing");
        command.environment().put("AWS_SECRET_ACCESS_KEY", "testing");
        long started = System.nanoTime();
        int exit = command.start().waitFor();
        double seconds = (System.nanoTime() - started) / 1e9;
        if (exit != 0) {
            throw new IOException("aws s3 cp failed with exit code " + exit);
        }
        return events / seconds;
    }

    @Override
    public void close() {
        closed = true;
        watcher.interrupt();
        s3.close();
        process.destroy();
    }
}
