package cairn.capture;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * AWS Signature Version 4 for a POST with a body: {@code host}, {@code x-amz-date} (and the session token, when
 * there is one) signed, the body's SHA-256 in the canonical request. Thread-safe.
 */
final class SigV4 {
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final HexFormat HEX = HexFormat.of();

    private final Credentials credentials;
    private final String region;
    private final String service;

    SigV4(Credentials credentials, String region, String service) {
        this.credentials = requireNonNull(credentials, "credentials is null");
        this.region = requireNonNull(region, "region is null");
        this.service = requireNonNull(service, "service is null");
    }

    /** The headers that sign a POST of {@code body} to {@code uri} at {@code now}, in the order they were signed. */
    Map<String, String> sign(URI uri, byte[] body, Instant now) {
        String amzDate = AMZ_DATE.format(now);
        String date = amzDate.substring(0, 8);
        String host = uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
        String payloadHash = HEX.formatHex(sha256(body));
        Optional<String> token = credentials.sessionToken();
        StringBuilder canonicalHeaders = new StringBuilder("host:").append(host).append('\n')
                .append("x-amz-date:").append(amzDate).append('\n');
        String signedHeaders = "host;x-amz-date";
        if (token.isPresent()) {
            canonicalHeaders.append("x-amz-security-token:").append(token.get()).append('\n');
            signedHeaders += ";x-amz-security-token";
        }
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        String canonicalRequest = "POST\n" + path + "\n" + (uri.getRawQuery() == null ? "" : uri.getRawQuery()) + "\n"
                + canonicalHeaders + "\n" + signedHeaders + "\n" + payloadHash;
        String scope = date + "/" + region + "/" + service + "/aws4_request";
        String stringToSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n"
                + HEX.formatHex(sha256(canonicalRequest.getBytes(StandardCharsets.UTF_8)));
        byte[] key = hmac(("AWS4" + credentials.secretAccessKey()).getBytes(StandardCharsets.UTF_8), date);
        key = hmac(key, region);
        key = hmac(key, service);
        key = hmac(key, "aws4_request");
        String signature = HEX.formatHex(hmac(key, stringToSign));
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("X-Amz-Date", amzDate);
        token.ifPresent(value -> headers.put("X-Amz-Security-Token", value));
        headers.put("Authorization", "AWS4-HMAC-SHA256 Credential=" + credentials.accessKeyId() + "/" + scope
                + ", SignedHeaders=" + signedHeaders + ", Signature=" + signature);
        return headers;
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmac(byte[] key, String text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
