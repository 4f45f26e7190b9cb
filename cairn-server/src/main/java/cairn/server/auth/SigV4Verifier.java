package cairn.server.auth;

import cairn.model.error.CloudTrailException;
import cairn.model.error.ErrorCode;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;

import static java.util.Objects.requireNonNull;

/**
 * Verifies AWS Signature Version 4 as AWS defines it, in the header form ({@code Authorization: AWS4-HMAC-SHA256
 * Credential=..., SignedHeaders=..., Signature=...}) and the presigned query form ({@code X-Amz-Credential},
 * {@code X-Amz-Signature}, ...): the canonical request (method, the path normalised and URI-encoded again as for every
 * service but S3, the query sorted and strictly encoded, the signed headers with their values trimmed, the payload's
 * SHA-256 or {@code UNSIGNED-PAYLOAD}), the credential scope (date, region, service), the request time within
 * 15 minutes of the clock, and the signature compared in constant time. Error messages never contain the secret or
 * the expected signature. Thread-safe.
 */
public final class SigV4Verifier {
    public static final String ALGORITHM = "AWS4-HMAC-SHA256";
    public static final Duration MAX_SKEW = Duration.ofMinutes(15);
    public static final Duration MAX_PRESIGNED_EXPIRY = Duration.ofDays(7);
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");
    private static final HexFormat HEX = HexFormat.of();

    private static final int MAX_CACHED_KEYS = 4096;

    private final Clock clock;
    private final Predicate<String> validRegion;
    private final Map<String, DerivedKey> signingKeys = new ConcurrentHashMap<>();

    /** A verifier on {@code clock} that takes credential scopes in the regions {@code validRegion} accepts. */
    public SigV4Verifier(Clock clock, Predicate<String> validRegion) {
        this.clock = requireNonNull(clock, "clock is null");
        this.validRegion = requireNonNull(validRegion, "validRegion is null");
    }

    /**
     * Finds the secret of an access key; empty when the key is unknown, not active, or its session token is not the
     * one it was issued with. It may throw CloudTrail's error for a key it knows but refuses (an expired session).
     */
    public interface SecretLookup {
        Optional<String> secretFor(String accessKeyId, Optional<String> sessionToken);
    }

    /**
     * A request as it came off the wire.
     *
     * @param rawPath the path exactly as sent, still percent-encoded
     * @param rawQuery the query exactly as sent (without {@code ?}), still percent-encoded; empty when none
     * @param headers the headers, names in any case, each with its values in the order received
     */
    public record Request(String method, String rawPath, String rawQuery, Map<String, List<String>> headers,
                          byte[] body) {
        public Request {
            requireNonNull(method, "method is null");
            requireNonNull(rawPath, "rawPath is null");
            requireNonNull(rawQuery, "rawQuery is null");
            headers = lowerCased(requireNonNull(headers, "headers is null"));
            requireNonNull(body, "body is null");
        }

        Optional<String> header(String name) {
            List<String> values = headers.get(name);
            return values == null || values.isEmpty() ? Optional.empty() : Optional.of(String.join(",", values));
        }

        private static Map<String, List<String>> lowerCased(Map<String, List<String>> headers) {
            Map<String, List<String>> lower = new TreeMap<>();
            headers.forEach((name, values) -> lower.computeIfAbsent(name.toLowerCase(java.util.Locale.ROOT),
                    ignored -> new ArrayList<>()).addAll(values));
            return lower;
        }
    }

    /** Who signed: the access key, the session token if any, and the credential scope. */
    public record Signer(String accessKeyId, Optional<String> sessionToken, String date, String region,
                         String service) {
    }

    /**
     * Verifies the request's signature for one of {@code services}, with the secrets {@code secrets} finds; returns
     * who signed it, or throws CloudTrail's error for what is wrong.
     */
    public Signer verify(Request request, Set<String> services, SecretLookup secrets) {
        List<Parameter> query = parseQuery(request.rawQuery());
        Optional<String> authorization = request.header("authorization");
        boolean presigned = authorization.isEmpty()
                && query.stream().anyMatch(parameter -> parameter.name().equals("X-Amz-Credential"));
        Signed signed = presigned ? presignedForm(query) : headerForm(authorization, request);
        CredentialScope scope = CredentialScope.parse(signed.credential());
        if (!services.contains(scope.service())) {
            throw new CloudTrailException(ErrorCode.INVALID_SIGNATURE, "Credential should be scoped to correct "
                    + "service: '" + String.join("' or '", services) + "'.");
        }
        if (!validRegion.test(scope.region())) {
            throw new CloudTrailException(ErrorCode.INVALID_SIGNATURE, "Credential should be scoped to a valid "
                    + "region, not '" + scope.region() + "'.");
        }
        Instant requestTime = parseAmzDate(signed.amzDate());
        if (!signed.amzDate().startsWith(scope.date())) {
            throw new CloudTrailException(ErrorCode.INVALID_SIGNATURE, "Date in Credential scope does not match "
                    + "YYYYMMDD from ISO-8601 version of date from HTTP: '" + scope.date() + "' != '"
                    + signed.amzDate().substring(0, 8) + "'.");
        }
        checkTime(requestTime, presigned ? signed.expires() : Optional.empty(), signed.amzDate());
        List<String> signedHeaders = List.of(signed.signedHeaders().split(";", -1));
        if (!signedHeaders.contains("host")) {
            throw incomplete("SignedHeaders must include host.");
        }
        Optional<String> sessionToken = presigned
                ? query.stream().filter(p -> p.name().equals("X-Amz-Security-Token")).map(Parameter::value).findFirst()
                : request.header("x-amz-security-token");
        String secret = secrets.secretFor(scope.accessKeyId(), sessionToken).orElseThrow(() -> new CloudTrailException(
                ErrorCode.UNRECOGNIZED_CLIENT, "The security token included in the request is invalid."));
        String canonicalRequest = request.method() + "\n"
                + canonicalPath(request.rawPath()) + "\n"
                + canonicalQuery(query, presigned) + "\n"
                + canonicalHeaders(request, signedHeaders) + "\n"
                + signed.signedHeaders() + "\n"
                + payloadHash(request);
        String stringToSign = ALGORITHM + "\n" + signed.amzDate() + "\n" + scope.date() + "/" + scope.region() + "/"
                + scope.service() + "/aws4_request\n"
                + HEX.formatHex(sha256(canonicalRequest.getBytes(StandardCharsets.UTF_8)));
        byte[] key = signingKey(secret, scope);
        byte[] expected = HEX.formatHex(hmac(key, stringToSign)).getBytes(StandardCharsets.US_ASCII);
        byte[] given = signed.signature().toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, given)) {
            throw new CloudTrailException(ErrorCode.INVALID_SIGNATURE, "The request signature we calculated does "
                    + "not match the signature you provided. Check your AWS Secret Access Key and signing method.");
        }
        return new Signer(scope.accessKeyId(), sessionToken, scope.date(), scope.region(), scope.service());
    }

    /** The key derived from a secret for a day, region and service; derived once and kept (four HMACs saved). */
    private byte[] signingKey(String secret, CredentialScope scope) {
        String cacheKey = scope.accessKeyId() + "/" + scope.date() + "/" + scope.region() + "/" + scope.service();
        DerivedKey cached = signingKeys.get(cacheKey);
        if (cached != null && MessageDigest.isEqual(cached.secret(), secret.getBytes(StandardCharsets.UTF_8))) {
            return cached.key();
        }
        byte[] key = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), scope.date());
        key = hmac(key, scope.region());
        key = hmac(key, scope.service());
        key = hmac(key, "aws4_request");
        if (signingKeys.size() >= MAX_CACHED_KEYS) {
            signingKeys.clear();
        }
        signingKeys.put(cacheKey, new DerivedKey(secret.getBytes(StandardCharsets.UTF_8), key));
        return key;
    }

    private record DerivedKey(byte[] secret, byte[] key) {
    }

    private record Signed(String credential, String signedHeaders, String signature, String amzDate,
                          Optional<Duration> expires) {
    }

    private static Signed headerForm(Optional<String> authorization, Request request) {
        if (authorization.isEmpty()) {
            throw CredentialScope.missing();
        }
        CredentialScope.AuthorizationHeader header = CredentialScope.AuthorizationHeader.parse(authorization.get());
        String amzDate = request.header("x-amz-date").orElseThrow(() -> incomplete(
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."));
        return new Signed(header.credential(), header.signedHeaders(), header.signature(), amzDate, Optional.empty());
    }

    private static Signed presignedForm(List<Parameter> query) {
        Map<String, String> values = new TreeMap<>();
        for (Parameter parameter : query) {
            values.putIfAbsent(parameter.name(), parameter.value());
        }
        for (String required : List.of("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders",
                "X-Amz-Signature", "X-Amz-Expires")) {
            if (!values.containsKey(required) || values.get(required).isEmpty()) {
                throw incomplete("A presigned request requires the query parameter " + required + ".");
            }
        }
        if (!values.get("X-Amz-Algorithm").equals(ALGORITHM)) {
            throw incomplete("X-Amz-Algorithm must be " + ALGORITHM + ".");
        }
        Duration expires;
        try {
            expires = Duration.ofSeconds(Long.parseLong(values.get("X-Amz-Expires")));
        } catch (NumberFormatException e) {
            throw incomplete("X-Amz-Expires must be a number of seconds.");
        }
        if (expires.isNegative() || expires.compareTo(MAX_PRESIGNED_EXPIRY) > 0) {
            throw incomplete("X-Amz-Expires must be between 0 and 604800 seconds (7 days).");
        }
        return new Signed(values.get("X-Amz-Credential"), values.get("X-Amz-SignedHeaders"),
                values.get("X-Amz-Signature"), values.get("X-Amz-Date"), Optional.of(expires));
    }

    /** {@code yyyyMMdd'T'HHmmss'Z'}, read by hand: a formatter costs more than the rest of the check. */
    private static Instant parseAmzDate(String amzDate) {
        if (amzDate.length() == 16 && amzDate.charAt(8) == 'T' && amzDate.charAt(15) == 'Z') {
            int year = digits(amzDate, 0, 4);
            int month = digits(amzDate, 4, 6);
            int day = digits(amzDate, 6, 8);
            int hour = digits(amzDate, 9, 11);
            int minute = digits(amzDate, 11, 13);
            int second = digits(amzDate, 13, 15);
            if (year >= 0 && month >= 0 && day >= 0 && hour >= 0 && minute >= 0 && second >= 0) {
                try {
                    return LocalDateTime.of(year, month, day, hour, minute, second).toInstant(ZoneOffset.UTC);
                } catch (DateTimeException e) {
                    // out of range: refused below
                }
            }
        }
        throw incomplete("X-Amz-Date must be of the form yyyyMMddTHHmmssZ, not " + amzDate + ".");
    }

    private static int digits(String text, int from, int to) {
        int value = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    private void checkTime(Instant requestTime, Optional<Duration> expires, String amzDate) {
        Instant now = clock.instant();
        if (expires.isPresent()) {
            if (requestTime.isAfter(now.plus(MAX_SKEW))) {
                throw new CloudTrailException(ErrorCode.INVALID_SIGNATURE, "Signature not yet current: " + amzDate
                        + " is still later than " + AMZ_DATE.format(now.plus(MAX_SKEW).atOffset(ZoneOffset.UTC))
                        + " (" + AMZ_DATE.format(now.atOffset(ZoneOffset.UTC)) + " + 15 min.)");
            }
            if (now.isAfter(requestTime.plus(expires.get()))) {
                throw new CloudTrailException(ErrorCode.INVALID_SIGNATURE, "Signature expired: " + amzDate
                        + " + " + expires.get().toSeconds() + " s is now earlier than "
                        + AMZ_DATE.format(now.atOffset(ZoneOffset.UTC)) + ".");
            }
            return;
        }
        if (requestTime.isBefore(now.minus(MAX_SKEW))) {
            throw new CloudTrailException(ErrorCode.INVALID_SIGNATURE, "Signature expired: " + amzDate
                    + " is now earlier than " + AMZ_DATE.format(now.minus(MAX_SKEW).atOffset(ZoneOffset.UTC)) + " ("
                    + AMZ_DATE.format(now.atOffset(ZoneOffset.UTC)) + " - 15 min.)");
        }
        if (requestTime.isAfter(now.plus(MAX_SKEW))) {
            throw new CloudTrailException(ErrorCode.INVALID_SIGNATURE, "Signature not yet current: " + amzDate
                    + " is still later than " + AMZ_DATE.format(now.plus(MAX_SKEW).atOffset(ZoneOffset.UTC)) + " ("
                    + AMZ_DATE.format(now.atOffset(ZoneOffset.UTC)) + " + 15 min.)");
        }
    }

    private record Parameter(String name, String value) {
    }

    private static List<Parameter> parseQuery(String rawQuery) {
        List<Parameter> parameters = new ArrayList<>();
        if (rawQuery.isEmpty()) {
            return parameters;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String name = equals < 0 ? pair : pair.substring(0, equals);
            String value = equals < 0 ? "" : pair.substring(equals + 1);
            parameters.add(new Parameter(decode(name), decode(value)));
        }
        return parameters;
    }

    /** The path as sent, with dot segments removed, then URI-encoded again (every service but S3 does). */
    static String canonicalPath(String rawPath) {
        if (rawPath.isEmpty()) {
            return "/";
        }
        Deque<String> segments = new ArrayDeque<>();
        for (String segment : rawPath.split("/", -1)) {
            if (segment.equals("..")) {
                segments.pollLast();
            } else if (!segment.equals(".")) {
                segments.addLast(segment);
            }
        }
        StringBuilder path = new StringBuilder();
        for (String segment : segments) {
            if (!path.isEmpty() || !segment.isEmpty()) {
                path.append('/');
            }
            path.append(encode(segment));
        }
        String normalised = path.toString();
        if (normalised.isEmpty()) {
            return "/";
        }
        if (!normalised.startsWith("/")) {
            normalised = "/" + normalised;
        }
        if (rawPath.endsWith("/") && !normalised.endsWith("/")) {
            normalised += "/";
        }
        return normalised;
    }

    private static String canonicalQuery(List<Parameter> query, boolean presigned) {
        List<String[]> encoded = new ArrayList<>();
        for (Parameter parameter : query) {
            if (presigned && parameter.name().equals("X-Amz-Signature")) {
                continue;
            }
            encoded.add(new String[]{encode(parameter.name()), encode(parameter.value())});
        }
        encoded.sort((a, b) -> a[0].equals(b[0]) ? a[1].compareTo(b[1]) : a[0].compareTo(b[0]));
        StringBuilder text = new StringBuilder();
        for (String[] pair : encoded) {
            if (!text.isEmpty()) {
                text.append('&');
            }
            text.append(pair[0]).append('=').append(pair[1]);
        }
        return text.toString();
    }

    private static String canonicalHeaders(Request request, List<String> signedHeaders) {
        StringBuilder text = new StringBuilder();
        for (String name : signedHeaders) {
            List<String> values = request.headers().get(name);
            if (values == null) {
                throw new CloudTrailException(ErrorCode.INVALID_SIGNATURE, "The request signature we calculated "
                        + "does not match the signature you provided: the signed header " + name + " is missing.");
            }
            List<String> trimmed = new ArrayList<>();
            for (String value : values) {
                trimmed.add(collapseSpaces(value));
            }
            text.append(name).append(':').append(String.join(",", trimmed)).append('\n');
        }
        return text.toString();
    }

    /** The value trimmed, each run of spaces and tabs inside it made one space (SigV4's header canonical form). */
    static String collapseSpaces(String value) {
        String trimmed = value.strip();
        int i = 0;
        while (i < trimmed.length() && !Character.isWhitespace(trimmed.charAt(i))) {
            i++;
        }
        if (i == trimmed.length()) {
            return trimmed;
        }
        StringBuilder collapsed = new StringBuilder(trimmed.length());
        boolean space = false;
        for (int j = 0; j < trimmed.length(); j++) {
            char c = trimmed.charAt(j);
            if (Character.isWhitespace(c)) {
                space = true;
            } else {
                if (space) {
                    collapsed.append(' ');
                    space = false;
                }
                collapsed.append(c);
            }
        }
        return collapsed.toString();
    }

    private static String payloadHash(Request request) {
        Optional<String> declared = request.header("x-amz-content-sha256");
        if (declared.isPresent() && declared.get().equals("UNSIGNED-PAYLOAD")) {
            return "UNSIGNED-PAYLOAD";
        }
        String actual = HEX.formatHex(sha256(request.body()));
        if (declared.isPresent() && !declared.get().equalsIgnoreCase(actual)) {
            throw new CloudTrailException(ErrorCode.INVALID_SIGNATURE,
                    "The provided 'x-amz-content-sha256' header does not match what was computed.");
        }
        return actual;
    }

    /** RFC 3986 encoding as SigV4 wants it: unreserved characters as they are, every other byte as %XX. */
    static String encode(String text) {
        StringBuilder encoded = new StringBuilder(text.length() + 8);
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
                    || c == '.' || c == '~') {
                encoded.append(c);
            } else {
                encoded.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            }
        }
        return encoded.toString();
    }

    /** Percent-decoding of a query part; a {@code +} stays a {@code +}. */
    static String decode(String text) {
        if (text.indexOf('%') < 0) {
            return text;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '%' && i + 2 < text.length() && isHex(text.charAt(i + 1)) && isHex(text.charAt(i + 2))) {
                bytes.write(Integer.parseInt(text.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                byte[] raw = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bytes.write(raw, 0, raw.length);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static boolean isHex(char c) {
        return Character.digit(c, 16) >= 0;
    }

    // Digest and MAC instances are pooled: looking a provider up costs more than a small digest, and requests run on
    // virtual threads, for which thread-locals would not be reused.
    private static final Queue<MessageDigest> DIGESTS = new ConcurrentLinkedQueue<>();
    private static final Queue<Mac> MACS = new ConcurrentLinkedQueue<>();

    private static byte[] sha256(byte[] data) {
        MessageDigest digest = DIGESTS.poll();
        try {
            if (digest == null) {
                digest = MessageDigest.getInstance("SHA-256");
            }
            byte[] hash = digest.digest(data);
            DIGESTS.offer(digest);
            return hash;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        Mac mac = MACS.poll();
        try {
            if (mac == null) {
                mac = Mac.getInstance("HmacSHA256");
            }
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] result = mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
            MACS.offer(mac);
            return result;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static CloudTrailException incomplete(String message) {
        return CredentialScope.incomplete(message);
    }
}
