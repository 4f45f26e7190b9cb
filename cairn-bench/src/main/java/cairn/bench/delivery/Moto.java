package cairn.bench.delivery;

import cairn.bench.server.MotoServer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
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
    private final MotoServer server;
    private final String bucket;
    private final S3Client s3;
    private final Map<String, Long> firstSeen = new ConcurrentHashMap<>();
    private final Thread watcher;
    private volatile boolean closed;

    private Moto(MotoServer server) {
        this.server = server;
        this.bucket = server.bucket();
        this.s3 = server.s3();
        this.watcher = new Thread(this::watch, "moto-watcher");
        this.watcher.setDaemon(true);
    }

    static Moto start(String bucket) throws Exception {
        Moto moto = new Moto(MotoServer.start(bucket));
        moto.watcher.start();
        return moto;
    }

    URI endpoint() {
        return server.endpoint();
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
        return server.keys("");
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
        ProcessBuilder command = new ProcessBuilder("aws", "--endpoint-url", server.endpoint().toString(), "--region",
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
        server.close();
    }
}
