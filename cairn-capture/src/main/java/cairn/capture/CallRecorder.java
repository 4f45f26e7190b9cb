package cairn.capture;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URLDecoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * Turns an {@link Exchange} into a CloudTrail record (spec section 1): who ({@code userIdentity} from the principal the
 * service authenticated, else the {@code Authorization} header: a SigV4 access key, a Bearer JWT's subject and issuer,
 * a Basic user), from where ({@code sourceIPAddress}, through trusted proxies' {@code X-Forwarded-For}), what
 * ({@code eventSource}/{@code eventName} from the service's routes or the {@link Namer}, else from the method and
 * path), with what ({@code requestParameters} from path variables, query and JSON body; {@code responseElements} for
 * writes), and how it ended ({@code errorCode}/{@code errorMessage}). Secrets are redacted ({@link Redactor}); a body
 * over the limit is recorded as a marked, truncated prefix. Thread-safe.
 */
public final class CallRecorder {
    /** Cairn's record reader takes 64 levels; a body is read to 32, so that the record around it fits too. */
    private static final ObjectMapper JSON = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
            .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder().maxNestingDepth(32)
                    .build()).build());
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final Pattern SIGV4 = Pattern.compile("AWS4-HMAC-SHA256\\s+Credential=([^/,\\s]+)/([^,\\s]+)");
    /** A path segment that names one thing rather than a kind: digits in it (not a version such as v2), or long. */
    private static final Pattern ID_SEGMENT = Pattern.compile("(?!v\\d+$).*\\d.*|[A-Za-z0-9_-]{20,}");
    private static final Set<String> READ_METHODS = Set.of("GET", "HEAD", "OPTIONS");
    private static final Pattern XML_CODE = Pattern.compile("<Code>([^<]*)</Code>");
    private static final Pattern XML_MESSAGE = Pattern.compile("<Message>([^<]*)</Message>");

    private final String eventSource;
    private final String region;
    private final Optional<String> account;
    private final List<Route> routes;
    private final Optional<Namer> namer;
    private final List<Cidr> trustedProxies;
    private final Redactor redactor;
    private final int maxBodyBytes;

    /** Names a call another way than routes do (the proxy names AWS-style calls as CloudTrail would). */
    @FunctionalInterface
    public interface Namer {
        /** The call's eventSource and eventName, and its parameters if the namer reads them; empty to fall back. */
        Optional<Names> name(Exchange exchange);
    }

    /**
     * What a {@link Namer} found: the names, whether the call only reads, parameters (may be empty), and whether the
     * parameters' and response's field names are written lowerCamelCase, as CloudTrail writes those of AWS's query
     * and JSON protocols ({@code UserName} → {@code userName}).
     */
    public record Names(String eventSource, String eventName, Optional<Boolean> readOnly,
                        Map<String, Object> parameters, boolean lowerCamelCase) {
        public Names {
            requireNonNull(eventSource, "eventSource is null");
            requireNonNull(eventName, "eventName is null");
            requireNonNull(readOnly, "readOnly is null");
            parameters = Map.copyOf(parameters);
        }

        /** Names whose parameters keep the names they have. */
        public Names(String eventSource, String eventName, Optional<Boolean> readOnly,
                     Map<String, ? extends Object> parameters) {
            this(eventSource, eventName, readOnly, Map.copyOf(parameters), false);
        }
    }

    private CallRecorder(Builder builder) {
        this.eventSource = builder.eventSource;
        this.region = builder.region;
        this.account = builder.account;
        this.routes = List.copyOf(builder.routes);
        this.namer = builder.namer;
        this.trustedProxies = builder.trustedProxies.stream().map(Cidr::parse).toList();
        this.redactor = new Redactor(builder.redacted, builder.redactionKey);
        this.maxBodyBytes = builder.maxBodyBytes;
    }

    /** {@code eventSource}: the service's name as events give it, e.g. {@code orders.example.com}. */
    public static Builder builder(String eventSource, byte[] redactionKey) {
        return new Builder(eventSource, redactionKey);
    }

    /** The largest request or response body prefix a recorder needs to keep. */
    public int maxBodyBytes() {
        return maxBodyBytes;
    }

    /** The record of the call, as compact JSON (one line), with a fresh eventID. */
    public byte[] record(Exchange exchange) {
        ObjectNode record = JSON.createObjectNode();
        record.put("eventVersion", "1.11");
        record.set("userIdentity", userIdentity(exchange));
        record.put("eventTime", TIME.format(exchange.time().truncatedTo(ChronoUnit.SECONDS)));
        Resolved resolved = resolve(exchange);
        record.put("eventSource", resolved.eventSource());
        record.put("eventName", resolved.eventName());
        record.put("awsRegion", region);
        record.put("sourceIPAddress", sourceAddress(exchange));
        exchange.header("user-agent").ifPresent(agent -> record.put("userAgent", agent));
        error(exchange).ifPresent(error -> {
            record.put("errorCode", error[0]);
            record.put("errorMessage", error[1]);
        });
        JsonNode parameters = requestParameters(exchange, resolved);
        JsonNode response = resolved.readOnly() ? JSON.nullNode() : responseElements(exchange);
        record.set("requestParameters", resolved.lowerCamelCase() ? lowerCamel(parameters) : parameters);
        record.set("responseElements", resolved.lowerCamelCase() ? lowerCamel(response) : response);
        record.put("requestID", exchange.responseHeader("x-request-id").or(() -> exchange.header("x-request-id"))
                .or(() -> exchange.responseHeader("x-amzn-requestid"))
                .or(() -> exchange.responseHeader("x-amz-request-id")).orElseGet(() -> UUID.randomUUID().toString()));
        record.put("eventID", UUID.randomUUID().toString());
        record.put("readOnly", resolved.readOnly());
        record.put("eventType", "AwsApiCall");
        record.put("managementEvent", true);
        account.ifPresent(id -> record.put("recipientAccountId", id));
        record.put("eventCategory", "Management");
        try {
            return JSON.writeValueAsBytes(record);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private record Resolved(String eventSource, String eventName, boolean readOnly, Map<String, String> variables,
                            Map<String, Object> parameters, boolean lowerCamelCase) {
    }

    private Resolved resolve(Exchange exchange) {
        boolean read = READ_METHODS.contains(exchange.method().toUpperCase(Locale.ROOT));
        for (Route route : routes) {
            Optional<Map<String, String>> variables = route.match(exchange.method(), exchange.path());
            if (variables.isPresent()) {
                return new Resolved(route.eventSource().orElse(eventSource), route.eventName(),
                        route.readOnly().orElse(read), variables.get(), Map.of(), false);
            }
        }
        if (namer.isPresent()) {
            Optional<Names> names = namer.get().name(exchange);
            if (names.isPresent()) {
                return new Resolved(names.get().eventSource(), names.get().eventName(),
                        names.get().readOnly().orElse(read), Map.of(), names.get().parameters(),
                        names.get().lowerCamelCase());
            }
        }
        return new Resolved(eventSource, defaultName(exchange.method(), exchange.path()), read, Map.of(), Map.of(),
                false);
    }

    /**
     * A name from the method and the path: the last segment that is not an identifier, in PascalCase, after a verb;
     * a GET of a collection lists it ({@code GET /orders} → ListOrders, {@code GET /orders/42} → GetOrder,
     * {@code POST /orders} → CreateOrder, {@code DELETE /orders/42} → DeleteOrder).
     */
    static String defaultName(String method, String path) {
        List<String> segments = Route.segments(path);
        String noun = "Root";
        boolean item = false;
        for (int i = segments.size() - 1; i >= 0; i--) {
            String segment = URLDecoder.decode(segments.get(i), StandardCharsets.UTF_8);
            if (ID_SEGMENT.matcher(segment).matches()) {
                item = true;
                continue;
            }
            noun = pascal(segment);
            break;
        }
        String verb = switch (method.toUpperCase(Locale.ROOT)) {
            case "GET" -> item ? "Get" : "List";
            case "HEAD" -> "Head";
            case "POST" -> "Create";
            case "PUT" -> "Put";
            case "PATCH" -> "Update";
            case "DELETE" -> "Delete";
            default -> pascal(method.toLowerCase(Locale.ROOT));
        };
        if (!verb.equals("List")) {
            noun = singular(noun);
        }
        return verb + noun;
    }

    /** The English singular of a plural noun, for the common endings: Policies → Policy, Addresses → Address. */
    private static String singular(String noun) {
        if (noun.length() > 4 && noun.endsWith("ies")) {
            return noun.substring(0, noun.length() - 3) + "y";
        }
        if (noun.length() > 4 && (noun.endsWith("sses") || noun.endsWith("xes") || noun.endsWith("ches")
                || noun.endsWith("shes"))) {
            return noun.substring(0, noun.length() - 2);
        }
        if (noun.length() > 3 && noun.endsWith("s") && !noun.endsWith("ss")) {
            return noun.substring(0, noun.length() - 1);
        }
        return noun;
    }

    private static String pascal(String text) {
        StringBuilder out = new StringBuilder();
        boolean upper = true;
        for (char c : text.toCharArray()) {
            if (!Character.isLetterOrDigit(c)) {
                upper = true;
                continue;
            }
            out.append(upper ? Character.toUpperCase(c) : c);
            upper = false;
        }
        return out.isEmpty() ? "Root" : out.toString();
    }

    /** The node with every field name's first letter in lower case, at any depth. */
    private static JsonNode lowerCamel(JsonNode node) {
        if (node instanceof ObjectNode object) {
            ObjectNode renamed = JSON.createObjectNode();
            object.fields().forEachRemaining(field -> {
                String name = field.getKey();
                String lower = name.isEmpty() ? name : Character.toLowerCase(name.charAt(0)) + name.substring(1);
                renamed.set(lower, lowerCamel(field.getValue()));
            });
            return renamed;
        }
        if (node instanceof ArrayNode array) {
            ArrayNode renamed = JSON.createArrayNode();
            array.forEach(element -> renamed.add(lowerCamel(element)));
            return renamed;
        }
        return node;
    }

    private ObjectNode userIdentity(Exchange exchange) {
        ObjectNode identity = JSON.createObjectNode();
        Optional<String> authorization = exchange.header("authorization");
        if (authorization.isPresent()) {
            String value = authorization.get().trim();
            var sigv4 = SIGV4.matcher(value);
            if (sigv4.find()) {
                String accessKey = sigv4.group(1);
                identity.put("type", "IAMUser").put("principalId", accessKey).put("accessKeyId", accessKey);
                exchange.principal().ifPresent(name -> identity.put("userName", name));
                return identity;
            }
            if (value.regionMatches(true, 0, "Bearer ", 0, 7)) {
                Optional<JsonNode> claims = jwtClaims(value.substring(7).trim());
                if (claims.isPresent()) {
                    String subject = claims.get().path("sub").asText("");
                    String issuer = claims.get().path("iss").asText("");
                    identity.put("type", "WebIdentityUser").put("principalId", issuer + ":" + subject)
                            .put("userName", exchange.principal().orElse(subject)).put("identityProvider", issuer);
                    return identity;
                }
            }
            if (value.regionMatches(true, 0, "Basic ", 0, 6)) {
                Optional<String> user = basicUser(value.substring(6).trim());
                if (user.isPresent()) {
                    String name = exchange.principal().orElse(user.get());
                    identity.put("type", "IAMUser").put("principalId", name).put("userName", name);
                    return identity;
                }
            }
        }
        if (exchange.principal().isPresent()) {
            identity.put("type", "IAMUser").put("principalId", exchange.principal().get())
                    .put("userName", exchange.principal().get());
            return identity;
        }
        identity.put("type", "AWSAccount").put("principalId", "").put("accountId", "anonymous");
        return identity;
    }

    /** The claims of a JWT, read but not verified (the service authenticates; the record says who it says). */
    private static Optional<JsonNode> jwtClaims(String token) {
        String[] parts = token.split("\\.");
        if (parts.length < 2) {
            return Optional.empty();
        }
        try {
            JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
            return claims != null && claims.isObject() ? Optional.of(claims) : Optional.empty();
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> basicUser(String encoded) {
        try {
            String decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            return colon > 0 ? Optional.of(decoded.substring(0, colon)) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * The caller's address: the peer's, unless the peer is a trusted proxy; then the right-most address of
     * {@code X-Forwarded-For} that is not a trusted proxy.
     */
    private String sourceAddress(Exchange exchange) {
        String peer = exchange.peerAddress();
        if (!trusted(peer)) {
            return peer;
        }
        List<String> forwarded = new ArrayList<>();
        for (String value : exchange.headers().getOrDefault("x-forwarded-for", List.of())) {
            for (String part : value.split(",")) {
                if (!part.isBlank()) {
                    forwarded.add(part.trim());
                }
            }
        }
        for (int i = forwarded.size() - 1; i >= 0; i--) {
            if (!trusted(forwarded.get(i))) {
                return forwarded.get(i);
            }
        }
        return forwarded.isEmpty() ? peer : forwarded.getFirst();
    }

    private boolean trusted(String address) {
        return trustedProxies.stream().anyMatch(cidr -> cidr.contains(address));
    }

    private JsonNode requestParameters(Exchange exchange, Resolved resolved) {
        ObjectNode parameters = JSON.createObjectNode();
        resolved.variables().forEach(parameters::put);
        resolved.parameters().forEach((name, value) -> parameters.set(name, JSON.valueToTree(value)));
        exchange.rawQuery().ifPresent(query -> {
            Map<String, List<String>> byName = new LinkedHashMap<>();
            for (String pair : query.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int equals = pair.indexOf('=');
                String name = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
                String value = equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
                byName.computeIfAbsent(name, ignored -> new ArrayList<>()).add(value);
            }
            byName.forEach((name, values) -> {
                if (!parameters.has(name)) {
                    if (values.size() == 1) {
                        parameters.put(name, values.getFirst());
                    } else {
                        ArrayNode array = parameters.putArray(name);
                        values.forEach(array::add);
                    }
                }
            });
        });
        Optional<JsonNode> body = body(exchange.requestBody(), exchange.requestBodyLength(),
                exchange.header("content-type"));
        body.ifPresent(node -> {
            if (node.isObject() && !node.has("cairnTruncated")) {
                node.fields().forEachRemaining(field -> {
                    if (!parameters.has(field.getKey())) {
                        parameters.set(field.getKey(), field.getValue());
                    }
                });
            } else {
                parameters.set("body", node);
            }
        });
        redactor.redact(parameters, "$");
        return parameters.isEmpty() ? JSON.nullNode() : parameters;
    }

    private JsonNode responseElements(Exchange exchange) {
        if (exchange.status() >= 400 || exchange.failure().isPresent()) {
            return JSON.nullNode();
        }
        Optional<JsonNode> body = body(exchange.responseBody(), exchange.responseBodyLength(),
                exchange.responseHeader("content-type"));
        if (body.isEmpty()) {
            return JSON.nullNode();
        }
        JsonNode node = body.get();
        redactor.redact(node, "$");
        if (!node.isObject()) {
            // CloudTrail's responseElements is an object: an array or a scalar goes under "body".
            ObjectNode wrapped = JSON.createObjectNode();
            wrapped.set("body", node);
            return wrapped;
        }
        return node;
    }

    /**
     * A JSON body, parsed when whole; a body over the limit (or cut) as {@code {"cairnTruncated":true,"bytes":N,
     * "prefix":"..."}}; nothing for an empty or non-JSON body.
     */
    private Optional<JsonNode> body(byte[] prefix, long length, Optional<String> contentType) {
        if (prefix.length == 0 || contentType.map(type -> !type.toLowerCase(Locale.ROOT).contains("json"))
                .orElse(true)) {
            return Optional.empty();
        }
        boolean whole = length >= 0 ? length == prefix.length && prefix.length <= maxBodyBytes
                : prefix.length <= maxBodyBytes;
        if (whole) {
            try {
                return Optional.ofNullable(JSON.readTree(prefix));
            } catch (com.fasterxml.jackson.core.exc.StreamConstraintsException e) {
                // Nested deeper than a record may be: kept as a marked (redacted) prefix, like a long body.
            } catch (IOException e) {
                return Optional.empty();
            }
        }
        ObjectNode truncated = JSON.createObjectNode();
        truncated.put("cairnTruncated", true);
        truncated.put("bytes", length);
        int kept = Math.min(prefix.length, maxBodyBytes);
        truncated.put("prefix", redactor.redactText(new String(prefix, 0, kept, StandardCharsets.UTF_8)));
        return Optional.of(truncated);
    }

    /** {errorCode, errorMessage} for a failed call: from the thrown exception, or a 4xx/5xx and its JSON body. */
    private static Optional<String[]> error(Exchange exchange) {
        if (exchange.failure().isPresent()) {
            Throwable failure = exchange.failure().get();
            return Optional.of(new String[]{failure.getClass().getSimpleName(),
                    Optional.ofNullable(failure.getMessage()).orElse(failure.getClass().getName())});
        }
        if (exchange.status() < 400) {
            return Optional.empty();
        }
        String code = reason(exchange.status());
        String message = code;
        Optional<String> type = exchange.responseHeader("content-type").map(value -> value.toLowerCase(Locale.ROOT));
        if (type.map(value -> value.contains("xml")).orElse(false)) {
            // AWS's XML protocols (S3, the query APIs): <Error><Code>..</Code><Message>..</Message></Error>.
            String text = new String(exchange.responseBody(), StandardCharsets.UTF_8);
            var xmlCode = XML_CODE.matcher(text);
            if (xmlCode.find()) {
                code = xmlCode.group(1).trim();
                var xmlMessage = XML_MESSAGE.matcher(text);
                message = xmlMessage.find() ? xmlMessage.group(1).trim() : code;
            }
        } else if (type.map(value -> value.contains("json")).orElse(false)) {
            try {
                JsonNode body = JSON.readTree(exchange.responseBody());
                if (body != null && body.isObject()) {
                    for (String field : List.of("__type", "code", "Code", "errorCode", "error")) {
                        if (body.path(field).isTextual()) {
                            String text = body.get(field).asText();
                            code = text.contains("#") ? text.substring(text.indexOf('#') + 1) : text;
                            break;
                        }
                    }
                    for (String field : List.of("message", "Message", "errorMessage", "error_description")) {
                        if (body.path(field).isTextual()) {
                            message = body.get(field).asText();
                            break;
                        }
                    }
                }
            } catch (IOException e) {
                // Not JSON after all: the status names the error.
            }
        }
        return Optional.of(new String[]{code, message});
    }

    private static String reason(int status) {
        return switch (status) {
            case 400 -> "BadRequest";
            case 401 -> "Unauthorized";
            case 403 -> "AccessDenied";
            case 404 -> "NotFound";
            case 405 -> "MethodNotAllowed";
            case 409 -> "Conflict";
            case 413 -> "PayloadTooLarge";
            case 415 -> "UnsupportedMediaType";
            case 422 -> "UnprocessableEntity";
            case 429 -> "TooManyRequests";
            case 500 -> "InternalServerError";
            case 502 -> "BadGateway";
            case 503 -> "ServiceUnavailable";
            case 504 -> "GatewayTimeout";
            default -> "Http" + status;
        };
    }

    private static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*");

    /** An address block: {@code 10.0.0.0/8}, {@code ::1/128}, or one address. */
    private record Cidr(byte[] network, int bits) {
        static Cidr parse(String text) {
            int slash = text.indexOf('/');
            byte[] address = address(slash < 0 ? text : text.substring(0, slash)).orElseThrow(
                    () -> new IllegalArgumentException("not an IP address or block: " + text));
            int bits = slash < 0 ? address.length * 8 : Integer.parseInt(text.substring(slash + 1));
            if (bits < 0 || bits > address.length * 8) {
                throw new IllegalArgumentException("not an IP address or block: " + text);
            }
            return new Cidr(address, bits);
        }

        boolean contains(String text) {
            Optional<byte[]> address = address(text);
            if (address.isEmpty() || address.get().length != network.length) {
                return false;
            }
            for (int bit = 0; bit < bits; bit++) {
                int mask = 0x80 >>> (bit % 8);
                if ((address.get()[bit / 8] & mask) != (network[bit / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }

        /** The bytes of a literal IP address (never a DNS lookup). */
        private static Optional<byte[]> address(String text) {
            String literal = text.trim();
            if (literal.startsWith("[") && literal.endsWith("]")) {
                literal = literal.substring(1, literal.length() - 1);
            }
            if (!IP_LITERAL.matcher(literal).matches()) {
                return Optional.empty();
            }
            try {
                return Optional.of(InetAddress.getByName(literal).getAddress());
            } catch (UnknownHostException e) {
                return Optional.empty();
            }
        }
    }

    /** How to build a {@link CallRecorder}. */
    public static final class Builder {
        private final String eventSource;
        private final byte[] redactionKey;
        private String region = "us-east-1";
        private Optional<String> account = Optional.empty();
        private final List<Route> routes = new ArrayList<>();
        private Optional<Namer> namer = Optional.empty();
        private final List<String> trustedProxies = new ArrayList<>();
        private Set<String> redacted = Redactor.DEFAULT_NAMES;
        private int maxBodyBytes = 16 * 1024;

        private Builder(String eventSource, byte[] redactionKey) {
            this.eventSource = requireNonNull(eventSource, "eventSource is null");
            this.redactionKey = requireNonNull(redactionKey, "redactionKey is null").clone();
        }

        /** The region events are recorded in (default us-east-1). */
        public Builder region(String region) {
            this.region = requireNonNull(region, "region is null");
            return this;
        }

        /** The account events belong to (default: the account of the key they are sent with). */
        public Builder account(String account) {
            this.account = Optional.of(account);
            return this;
        }

        /** Routes, tried in order before the namer and the default name. */
        public Builder route(Route route) {
            routes.add(requireNonNull(route, "route is null"));
            return this;
        }

        public Builder namer(Namer namer) {
            this.namer = Optional.of(namer);
            return this;
        }

        /** Addresses or blocks ({@code 10.0.0.0/8}) whose {@code X-Forwarded-For} is believed. */
        public Builder trustProxy(String addressOrBlock) {
            Cidr.parse(addressOrBlock);
            trustedProxies.add(addressOrBlock);
            return this;
        }

        /** The fields redacted (names, or {@code $.} paths), instead of {@link Redactor#DEFAULT_NAMES}. */
        public Builder redact(Set<String> fields) {
            this.redacted = Set.copyOf(fields);
            return this;
        }

        /** The largest body recorded whole (default 16 KB); a longer one is recorded as a marked prefix. */
        public Builder maxBodyBytes(int bytes) {
            // A request's and a response's body, with the rest of the record, within Cairn's 256 KB per record.
            if (bytes < 0 || bytes > 64 * 1024) {
                throw new IllegalArgumentException("maxBodyBytes must be 0 to 65536, not " + bytes);
            }
            this.maxBodyBytes = bytes;
            return this;
        }

        public CallRecorder build() {
            return new CallRecorder(this);
        }
    }
}
