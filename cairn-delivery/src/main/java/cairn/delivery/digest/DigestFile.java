package cairn.delivery.digest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;

import static java.util.Objects.requireNonNull;

/**
 * The text of a digest (spec 3.2), its fields in the order of CloudTrail's sample, and the string its signature covers
 * (spec 3.3). The bytes made here are the bytes hashed, signed and stored; they are never parsed and written again.
 */
public final class DigestFile {
    public static final String SIGNATURE_ALGORITHM = "SHA256withRSA";
    public static final String HASH_ALGORITHM = "SHA-256";
    /** The user metadata keys the signature and its algorithm go under. */
    public static final String SIGNATURE_METADATA = "signature";
    public static final String ALGORITHM_METADATA = "signature-algorithm";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final JsonFactory JSON = new JsonFactory();

    private DigestFile() {
    }

    /** A log file a digest lists: where it is, the SHA-256 of its uncompressed bytes, its oldest and newest events. */
    public record LogFile(String bucket, String key, String sha256, Instant oldestEvent, Instant newestEvent) {
        public LogFile {
            requireNonNull(bucket, "bucket is null");
            requireNonNull(key, "key is null");
            requireNonNull(sha256, "sha256 is null");
            requireNonNull(oldestEvent, "oldestEvent is null");
            requireNonNull(newestEvent, "newestEvent is null");
        }
    }

    /** The digest a digest links back to: where it is, the SHA-256 of its uncompressed bytes, its signature. */
    public record Link(String bucket, String key, String sha256, String signature) {
        public Link {
            requireNonNull(bucket, "bucket is null");
            requireNonNull(key, "key is null");
            requireNonNull(sha256, "sha256 is null");
            requireNonNull(signature, "signature is null");
        }
    }

    /**
     * Everything a digest says. {@code nextDigest} is when the chain's next digest is due, none when this one ends
     * the chain (logging stopped, validation switched off, trail deleted): Cairn writes it as
     * {@code cairnNextDigestTime}, after CloudTrail's fields, so that a validator can tell a chain that ended from
     * one whose newest digests were deleted.
     */
    public record Content(String account, Instant start, Instant end, String bucket, String key, String fingerprint,
                          Optional<Link> previous, List<LogFile> logFiles, Optional<Instant> nextDigest) {
        public Content {
            requireNonNull(account, "account is null");
            requireNonNull(start, "start is null");
            requireNonNull(end, "end is null");
            requireNonNull(bucket, "bucket is null");
            requireNonNull(key, "key is null");
            requireNonNull(fingerprint, "fingerprint is null");
            requireNonNull(previous, "previous is null");
            logFiles = List.copyOf(logFiles);
            requireNonNull(nextDigest, "nextDigest is null");
        }
    }

    /** The field Cairn adds to its digests: when the chain's next digest is due, or null in a chain's last one. */
    public static final String NEXT_DIGEST_FIELD = "cairnNextDigestTime";

    /** The digest's JSON, as UTF-8 bytes. */
    public static byte[] json(Content digest) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024 + 400 * digest.logFiles().size());
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("awsAccountId", digest.account());
            json.writeStringField("digestStartTime", time(digest.start()));
            json.writeStringField("digestEndTime", time(digest.end()));
            json.writeStringField("digestS3Bucket", digest.bucket());
            json.writeStringField("digestS3Object", digest.key());
            json.writeStringField("digestPublicKeyFingerprint", digest.fingerprint());
            json.writeStringField("digestSignatureAlgorithm", SIGNATURE_ALGORITHM);
            Optional<Instant> newest = digest.logFiles().stream().map(LogFile::newestEvent).max(Instant::compareTo);
            Optional<Instant> oldest = digest.logFiles().stream().map(LogFile::oldestEvent).min(Instant::compareTo);
            nullable(json, "newestEventTime", newest.map(DigestFile::time));
            nullable(json, "oldestEventTime", oldest.map(DigestFile::time));
            Optional<Link> previous = digest.previous();
            nullable(json, "previousDigestS3Bucket", previous.map(Link::bucket));
            nullable(json, "previousDigestS3Object", previous.map(Link::key));
            nullable(json, "previousDigestHashValue", previous.map(Link::sha256));
            nullable(json, "previousDigestHashAlgorithm", previous.map(link -> HASH_ALGORITHM));
            nullable(json, "previousDigestSignature", previous.map(Link::signature));
            json.writeArrayFieldStart("logFiles");
            for (LogFile file : digest.logFiles()) {
                json.writeStartObject();
                json.writeStringField("s3Bucket", file.bucket());
                json.writeStringField("s3Object", file.key());
                json.writeStringField("hashValue", file.sha256());
                json.writeStringField("hashAlgorithm", HASH_ALGORITHM);
                json.writeStringField("newestEventTime", time(file.newestEvent()));
                json.writeStringField("oldestEventTime", time(file.oldestEvent()));
                json.writeEndObject();
            }
            json.writeEndArray();
            nullable(json, NEXT_DIGEST_FIELD, digest.nextDigest().map(DigestFile::time));
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void nullable(JsonGenerator json, String field, Optional<String> value) throws IOException {
        if (value.isPresent()) {
            json.writeStringField(field, value.get());
        } else {
            json.writeNullField(field);
        }
    }

    /**
     * The string a digest's signature covers, as UTF-8: its end time as written in it, {@code bucket/key}, the hex
     * SHA-256 of its uncompressed bytes and the previous digest's signature (the text {@code null} when there is
     * none), joined by line feeds, with none at the end.
     */
    public static byte[] stringToSign(String endTime, String bucket, String key, String sha256,
                                      Optional<String> previousSignature) {
        return (endTime + '\n' + bucket + '/' + key + '\n' + sha256 + '\n' + previousSignature.orElse("null"))
                .getBytes(StandardCharsets.UTF_8);
    }

    /** A time as digests write it: {@code YYYY-MM-DDTHH:MM:SSZ}. */
    public static String time(Instant instant) {
        return TIME.format(instant);
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The bytes as one gzip member. */
    public static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length / 4 + 64);
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
