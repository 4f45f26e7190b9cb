package cairn.delivery.objectstore.s3;

import cairn.delivery.objectstore.ObjectStore;
import cairn.delivery.objectstore.ObjectStoreException;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * An S3 bucket store on the AWS SDK for Java v2, for AWS S3 or any S3-compatible server (MinIO, Ceph, moto, ...).
 * A put is one PutObject, or a multipart upload above the threshold (aborted when a part fails); either way S3 makes
 * the object visible whole. Checksums are sent and checked only where S3 requires them, which S3-compatible servers
 * understand. The SDK does not retry: delivery retries with its own backoff and reports each failure. Thread-safe.
 */
public final class S3ObjectStore implements ObjectStore, AutoCloseable {
    private final S3Settings settings;
    private final S3Client s3;

    public S3ObjectStore(S3Settings settings) throws IOException {
        this.settings = requireNonNull(settings, "settings is null");
        UrlConnectionHttpClient.Builder http = UrlConnectionHttpClient.builder()
                .connectionTimeout(settings.timeout()).socketTimeout(settings.timeout());
        if (settings.caFile().isPresent()) {
            TrustManager[] trustManagers = trustManagers(settings);
            http.tlsTrustManagersProvider(() -> trustManagers);
        }
        S3ClientBuilder builder = S3Client.builder()
                .region(Region.of(settings.region()))
                .forcePathStyle(settings.pathStyle())
                .credentialsProvider(credentials(settings))
                .httpClient(http.build())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(configuration -> configuration
                        .retryStrategy(RetryMode.STANDARD)
                        .retryStrategy(strategy -> strategy.maxAttempts(1))
                        .apiCallTimeout(settings.timeout().multipliedBy(4)));
        settings.endpoint().ifPresent(builder::endpointOverride);
        this.s3 = builder.build();
    }

    public S3Settings settings() {
        return settings;
    }

    private static AwsCredentialsProvider credentials(S3Settings settings) {
        if (settings.accessKeyId().isEmpty()) {
            return DefaultCredentialsProvider.builder().build();
        }
        String id = settings.accessKeyId().get();
        String secret = settings.secretAccessKey().orElseThrow();
        return StaticCredentialsProvider.create(settings.sessionToken()
                .<software.amazon.awssdk.auth.credentials.AwsCredentials>map(token ->
                        AwsSessionCredentials.create(id, secret, token))
                .orElseGet(() -> AwsBasicCredentials.create(id, secret)));
    }

    /** The JDK's trusted CAs plus the certificates of the CA file (PEM). */
    private static TrustManager[] trustManagers(S3Settings settings) throws IOException {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            TrustManagerFactory defaults = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            defaults.init((KeyStore) null);
            int number = 0;
            for (TrustManager manager : defaults.getTrustManagers()) {
                if (manager instanceof javax.net.ssl.X509TrustManager x509) {
                    for (Certificate certificate : x509.getAcceptedIssuers()) {
                        store.setCertificateEntry("default-" + number++, certificate);
                    }
                }
            }
            try (InputStream in = Files.newInputStream(settings.caFile().get())) {
                for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    store.setCertificateEntry("ca-" + number++, certificate);
                }
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            return factory.getTrustManagers();
        } catch (GeneralSecurityException e) {
            throw new IOException("S3 connection " + settings.name() + ": cannot read the CA file "
                    + settings.caFile().get() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean bucketExists(String bucket) throws IOException {
        try {
            s3.headBucket(request -> request.bucket(bucket));
            return true;
        } catch (NoSuchBucketException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw failure("HeadBucket " + bucket, e);
        } catch (SdkException | java.io.UncheckedIOException e) {
            throw failure("HeadBucket " + bucket, e);
        }
    }

    @Override
    public void put(String bucket, String key, byte[] bytes, Map<String, String> metadata, Encryption encryption)
            throws IOException {
        try {
            if (bytes.length > settings.multipartThreshold()) {
                putMultipart(bucket, key, bytes, metadata, encryption);
                return;
            }
            PutObjectRequest.Builder request = PutObjectRequest.builder().bucket(bucket).key(key).metadata(metadata)
                    .contentLength((long) bytes.length);
            switch (encryption) {
                case Encryption.S3Managed ignored -> request.serverSideEncryption(ServerSideEncryption.AES256);
                case Encryption.Kms kms -> request.serverSideEncryption(ServerSideEncryption.AWS_KMS)
                        .ssekmsKeyId(kms.keyId());
            }
            s3.putObject(request.build(), RequestBody.fromBytes(bytes));
        } catch (SdkException | java.io.UncheckedIOException e) {
            throw failure("PutObject " + bucket + "/" + key, e);
        }
    }

    private void putMultipart(String bucket, String key, byte[] bytes, Map<String, String> metadata,
                              Encryption encryption) {
        CreateMultipartUploadRequest.Builder create = CreateMultipartUploadRequest.builder().bucket(bucket).key(key)
                .metadata(metadata);
        switch (encryption) {
            case Encryption.S3Managed ignored -> create.serverSideEncryption(ServerSideEncryption.AES256);
            case Encryption.Kms kms -> create.serverSideEncryption(ServerSideEncryption.AWS_KMS)
                    .ssekmsKeyId(kms.keyId());
        }
        String uploadId = s3.createMultipartUpload(create.build()).uploadId();
        try {
            List<CompletedPart> parts = new ArrayList<>();
            long partBytes = Math.max(S3Settings.MIN_PART_BYTES, settings.multipartThreshold());
            int number = 1;
            for (int start = 0; start < bytes.length; start += (int) partBytes, number++) {
                int end = (int) Math.min(bytes.length, start + partBytes);
                int partNumber = number;
                long length = end - start;
                String etag = s3.uploadPart(request -> request.bucket(bucket).key(key).uploadId(uploadId)
                                .partNumber(partNumber).contentLength(length),
                        RequestBody.fromBytes(Arrays.copyOfRange(bytes, start, end))).eTag();
                parts.add(CompletedPart.builder().partNumber(partNumber).eTag(etag).build());
            }
            s3.completeMultipartUpload(request -> request.bucket(bucket).key(key).uploadId(uploadId)
                    .multipartUpload(upload -> upload.parts(parts)));
        } catch (SdkException | java.io.UncheckedIOException e) {
            try {
                s3.abortMultipartUpload(request -> request.bucket(bucket).key(key).uploadId(uploadId));
            } catch (SdkException abortFailed) {
                e.addSuppressed(abortFailed);
            }
            throw e;
        }
    }

    @Override
    public Optional<StoredObject> get(String bucket, String key) throws IOException {
        try {
            ResponseBytes<GetObjectResponse> object = s3.getObjectAsBytes(request -> request.bucket(bucket).key(key));
            return Optional.of(new StoredObject(object.asByteArray(), object.response().metadata()));
        } catch (NoSuchKeyException | NoSuchBucketException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw failure("GetObject " + bucket + "/" + key, e);
        } catch (SdkException | java.io.UncheckedIOException e) {
            throw failure("GetObject " + bucket + "/" + key, e);
        }
    }

    @Override
    public Optional<ObjectInfo> head(String bucket, String key) throws IOException {
        try {
            HeadObjectResponse head = s3.headObject(request -> request.bucket(bucket).key(key));
            return Optional.of(new ObjectInfo(head.contentLength(), head.metadata()));
        } catch (NoSuchKeyException | NoSuchBucketException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw failure("HeadObject " + bucket + "/" + key, e);
        } catch (SdkException | java.io.UncheckedIOException e) {
            throw failure("HeadObject " + bucket + "/" + key, e);
        }
    }

    @Override
    public List<String> list(String bucket, String prefix, Optional<String> after, int max) throws IOException {
        List<String> keys = new ArrayList<>();
        try {
            String token = null;
            do {
                String continuation = token;
                int wanted = Math.min(1000, max - keys.size());
                ListObjectsV2Response page = s3.listObjectsV2(request -> {
                    request.bucket(bucket).prefix(prefix).maxKeys(wanted);
                    if (continuation != null) {
                        request.continuationToken(continuation);
                    } else {
                        after.ifPresent(request::startAfter);
                    }
                });
                for (S3Object object : page.contents()) {
                    if (keys.size() < max) {
                        keys.add(object.key());
                    }
                }
                token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
            } while (token != null && keys.size() < max);
        } catch (SdkException | java.io.UncheckedIOException e) {
            throw failure("ListObjectsV2 " + bucket + "/" + prefix, e);
        }
        return keys;
    }

    @Override
    public void delete(String bucket, String key) throws IOException {
        try {
            s3.deleteObject(request -> request.bucket(bucket).key(key));
        } catch (SdkException | java.io.UncheckedIOException e) {
            throw failure("DeleteObject " + bucket + "/" + key, e);
        }
    }

    /** The SDK's failure as the kind delivery acts on. */
    private ObjectStoreException failure(String call, RuntimeException e) {
        String where = "S3 connection " + settings.name() + ": " + call + ": ";
        if (e instanceof NoSuchBucketException) {
            return new ObjectStoreException(ObjectStoreException.Kind.NO_SUCH_BUCKET, where + e.getMessage(), e);
        }
        if (e instanceof S3Exception s3Error) {
            String code = s3Error.awsErrorDetails() == null ? "" : s3Error.awsErrorDetails().errorCode();
            int status = s3Error.statusCode();
            ObjectStoreException.Kind kind;
            // A PutObject refused before its body (Expect: 100-continue) comes with a status and no error document.
            if ("NoSuchBucket".equals(code) || (status == 404 && (code == null || code.isEmpty()))) {
                kind = ObjectStoreException.Kind.NO_SUCH_BUCKET;
            } else if (status == 403 || "AccessDenied".equals(code)) {
                kind = ObjectStoreException.Kind.ACCESS_DENIED;
            } else if (status == 429 || status == 503 || "SlowDown".equals(code) || "Throttling".equals(code)) {
                kind = ObjectStoreException.Kind.THROTTLED;
            } else if (status >= 500) {
                kind = ObjectStoreException.Kind.UNAVAILABLE;
            } else {
                kind = ObjectStoreException.Kind.OTHER;
            }
            return new ObjectStoreException(kind, where + status + " " + code + ": " + e.getMessage(), e);
        }
        // The HTTP client's own I/O failures (a reset while waiting for 100-continue) are the store being away too.
        if (e instanceof SdkClientException || e instanceof java.io.UncheckedIOException) {
            return new ObjectStoreException(ObjectStoreException.Kind.UNAVAILABLE, where + e.getMessage(), e);
        }
        return new ObjectStoreException(ObjectStoreException.Kind.OTHER, where + e.getMessage(), e);
    }

    @Override
    public void close() {
        s3.close();
    }
}
