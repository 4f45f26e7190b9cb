package cairn.bench.http;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;

/**
 * SigV4 for the load generator's requests, the least a valid signature needs: {@code host} and {@code x-amz-date}
 * signed, the body's SHA-256 (or {@code UNSIGNED-PAYLOAD}) in the canonical request. The signing key is derived once per day. Not thread-safe:
 * one per client thread, as {@link LoopbackHttp}.
 */
public final class SigV4Signer {
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final HexFormat HEX = HexFormat.of();

    /** An access key pair. */
    public record Credentials(String accessKeyId, String secretAccessKey) {
        @Override
        public String toString() {
            return "Credentials[" + accessKeyId + "]";
        }
    }

    private final Credentials credentials;
    private final String region;
    private final MessageDigest sha256;
    private final Mac mac;
    private String keyDate = "";
    private String keyService = "";
    private byte[] signingKey;

    public SigV4Signer(Credentials credentials, String region) {
        this.credentials = credentials;
        this.region = region;
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
            this.mac = Mac.getInstance("HmacSHA256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The header lines (each ending in CRLF) that sign a POST of {@code body} to {@code path} at {@code host}. With
     * {@code unsignedPayload}, the body is left out of the signature ({@code x-amz-content-sha256: UNSIGNED-PAYLOAD}),
     * as the AWS SDKs do over TLS, where TLS protects the body.
     */
    public String headers(String service, String host, String path, byte[] body, Instant now,
                          boolean unsignedPayload) {
        String amzDate = AMZ_DATE.format(now);
        String date = amzDate.substring(0, 8);
        String payloadHash = unsignedPayload ? "UNSIGNED-PAYLOAD" : HEX.formatHex(sha256.digest(body));
        String signedHeaders = unsignedPayload ? "host;x-amz-content-sha256;x-amz-date" : "host;x-amz-date";
        String canonical = "POST\n" + path + "\n\nhost:" + host + "\n"
                + (unsignedPayload ? "x-amz-content-sha256:UNSIGNED-PAYLOAD\n" : "") + "x-amz-date:" + amzDate
                + "\n\n" + signedHeaders + "\n" + payloadHash;
        String scope = date + "/" + region + "/" + service + "/aws4_request";
        String toSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n"
                + HEX.formatHex(sha256.digest(canonical.getBytes(StandardCharsets.UTF_8)));
        if (!date.equals(keyDate) || !service.equals(keyService)) {
            byte[] key = hmac(("AWS4" + credentials.secretAccessKey()).getBytes(StandardCharsets.UTF_8), date);
            key = hmac(key, region);
            key = hmac(key, service);
            signingKey = hmac(key, "aws4_request");
            keyDate = date;
            keyService = service;
        }
        String signature = HEX.formatHex(hmac(signingKey, toSign));
        return "X-Amz-Date: " + amzDate + "\r\n"
                + (unsignedPayload ? "X-Amz-Content-Sha256: UNSIGNED-PAYLOAD\r\n" : "")
                + "Authorization: AWS4-HMAC-SHA256 Credential=" + credentials.accessKeyId() + "/" + scope
                + ", SignedHeaders=" + signedHeaders + ", Signature=" + signature + "\r\n";
    }

    private byte[] hmac(byte[] key, String data) {
        try {
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
