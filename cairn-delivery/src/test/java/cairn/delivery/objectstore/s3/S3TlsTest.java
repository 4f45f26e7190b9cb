package cairn.delivery.objectstore.s3;

import cairn.delivery.objectstore.ObjectStoreException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * TLS to a private S3-compatible server: moto server over HTTPS with a certificate of a CA that only the connection's
 * {@code ca-file} names. With the file the store works; without it the server is not trusted.
 */
final class S3TlsTest {
    @TempDir
    Path folder;

    private Process moto;
    private URI endpoint;

    @BeforeEach
    void startMotoOverTls() throws Exception {
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-keyout", folder.resolve("key.pem").toString(), "-out", folder.resolve("cert.pem").toString(),
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1");
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        moto = new ProcessBuilder(MotoServer.EXECUTABLE, "-H", "127.0.0.1", "-p", String.valueOf(port),
                "-c", folder.resolve("cert.pem").toString(), "-k", folder.resolve("key.pem").toString())
                .redirectErrorStream(true).redirectOutput(folder.resolve("moto.log").toFile()).start();
        endpoint = URI.create("https://127.0.0.1:" + port);
        awaitBucket();
    }

    /** Creates the bucket through the trusted store, which also tells when moto answers. */
    private void awaitBucket() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        try (S3ObjectStore store = new S3ObjectStore(settings(Optional.of(folder.resolve("cert.pem"))))) {
            while (true) {
                try {
                    store.bucketExists("tls-logs");
                    break;
                } catch (ObjectStoreException e) {
                    if (System.nanoTime() > deadline || !moto.isAlive()) {
                        throw new IllegalStateException("moto over TLS did not answer on " + endpoint, e);
                    }
                    Thread.sleep(50); // polling a child process that is starting, not waiting for time to pass
                }
            }
        }
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                .sslContext(trusting(folder.resolve("cert.pem"))).build();
        http.send(java.net.http.HttpRequest.newBuilder(endpoint.resolve("/tls-logs"))
                .PUT(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                java.net.http.HttpResponse.BodyHandlers.discarding());
    }

    @AfterEach
    void stopMoto() {
        moto.destroyForcibly();
    }

    private S3Settings settings(Optional<Path> caFile) {
        return new S3Settings("private", Optional.of(endpoint), MotoServer.REGION, true,
                Optional.of(MotoServer.ACCESS_KEY_ID), Optional.of(MotoServer.SECRET_ACCESS_KEY), Optional.empty(),
                caFile, Duration.ofSeconds(5), S3Settings.MIN_PART_BYTES, List.of("tls-logs"));
    }

    @Test
    void caFile_trustsThePrivateServer() throws IOException {
        try (S3ObjectStore store = new S3ObjectStore(settings(Optional.of(folder.resolve("cert.pem"))))) {
            store.put("tls-logs", "over/tls", "sealed".getBytes(StandardCharsets.UTF_8), Map.of("k", "v"));
            assertThat(store.get("tls-logs", "over/tls").orElseThrow().bytes())
                    .isEqualTo("sealed".getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void noCaFile_theServerIsNotTrusted() throws IOException {
        try (S3ObjectStore store = new S3ObjectStore(settings(Optional.empty()))) {
            assertThatThrownBy(() -> store.put("tls-logs", "over/tls", new byte[1], Map.of()))
                    .isInstanceOfSatisfying(ObjectStoreException.class, e -> assertThat(e.getMessage())
                            .containsIgnoringCase("certif"));
        }
    }

    private static javax.net.ssl.SSLContext trusting(Path pem) throws Exception {
        java.security.KeyStore keys = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
        keys.load(null, null);
        try (var in = java.nio.file.Files.newInputStream(pem)) {
            keys.setCertificateEntry("ca", java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(in));
        }
        javax.net.ssl.TrustManagerFactory factory = javax.net.ssl.TrustManagerFactory.getInstance(
                javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        factory.init(keys);
        javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }

    private static void run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
        }
    }
}
