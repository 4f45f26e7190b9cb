package cairn.capture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static java.util.Objects.requireNonNull;

/**
 * Replaces secrets in recorded parameters by {@code hmac-sha256:<hex>} of their text under the installation's key, so
 * that equal values still match (the way HashiCorp Vault's audit devices hash them) and none can be read back. A field
 * is secret by its name, anywhere (case-insensitive: {@code password}), or by its path from the top
 * ({@code $.credentials.token}). Thread-safe.
 */
public final class Redactor {
    public static final String PREFIX = "hmac-sha256:";
    /** Names redacted unless the service says otherwise. */
    public static final Set<String> DEFAULT_NAMES = Set.of("password", "passwd", "secret", "token", "accesstoken",
            "refreshtoken", "apikey", "api_key", "authorization", "clientsecret", "client_secret", "privatekey",
            "secretaccesskey");

    private final Set<String> names;
    private final Set<String> paths;
    private final byte[] key;
    /** One keyed MAC per thread: looking the algorithm up and keying it cost more than a short value's HMAC. */
    private final ThreadLocal<Mac> macs;

    /** {@code fields}: names, or paths starting with {@code $.}; {@code key}: the installation's HMAC key. */
    public Redactor(Set<String> fields, byte[] key) {
        requireNonNull(fields, "fields is null");
        this.names = fields.stream().filter(field -> !field.startsWith("$.")).map(name -> name.toLowerCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
        this.paths = fields.stream().filter(field -> field.startsWith("$.")).collect(Collectors.toUnmodifiableSet());
        this.key = requireNonNull(key, "key is null").clone();
        if (key.length < 16) {
            throw new IllegalArgumentException("the redaction key must have at least 16 bytes, not " + key.length);
        }
        this.macs = ThreadLocal.withInitial(this::newMac);
    }

    /** Whether a field of this name, at this path, is secret. */
    boolean secret(String name, String path) {
        return names.contains(name.toLowerCase(Locale.ROOT)) || paths.contains(path);
    }

    /** The HMAC text that stands for {@code value}. */
    public String hash(String value) {
        return PREFIX + HexFormat.of().formatHex(macs.get().doFinal(value.getBytes(StandardCharsets.UTF_8)));
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Redacts secrets in text that is not whole JSON (a body cut at the limit): every string value of a secret field
     * name (the last part of a secret path counts as a name here), to the end of the text if the value is cut.
     */
    String redactText(String text) {
        java.util.Set<String> all = new java.util.HashSet<>(names);
        paths.forEach(path -> all.add(path.substring(path.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT)));
        java.util.regex.Matcher matcher = SECRET_VALUE.matcher(text);
        StringBuilder out = new StringBuilder();
        int last = 0;
        while (matcher.find()) {
            if (!all.contains(matcher.group(1).toLowerCase(Locale.ROOT))) {
                continue;
            }
            out.append(text, last, matcher.start(2)).append(hash(matcher.group(2)));
            last = matcher.end(2);
        }
        return out.append(text.substring(last)).toString();
    }

    /**
     * {@code "name" : "value} in JSON text; the value runs to its closing quote or to the end. Written unrolled and
     * possessive, so that a long value costs no backtracking (nor a deep recursion in the regex engine).
     */
    private static final java.util.regex.Pattern SECRET_VALUE = java.util.regex.Pattern.compile(
            "\"([^\"\\\\]{1,128})\"\\s*:\\s*\"([^\"\\\\]*+(?:\\\\.[^\"\\\\]*+)*+)");

    /** Redacts the secret fields of {@code node} in place, at any depth; {@code path} is the node's own. */
    void redact(JsonNode node, String path) {
        if (node instanceof ObjectNode object) {
            Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
            java.util.List<String> secretNames = new java.util.ArrayList<>();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                String fieldPath = path + "." + field.getKey();
                if (secret(field.getKey(), fieldPath)) {
                    secretNames.add(field.getKey());
                } else {
                    redact(field.getValue(), fieldPath);
                }
            }
            for (String name : secretNames) {
                JsonNode value = object.get(name);
                object.set(name, new TextNode(hash(value.isTextual() ? value.asText() : value.toString())));
            }
        } else if (node instanceof ArrayNode array) {
            for (JsonNode element : array) {
                redact(element, path + "[]");
            }
        }
    }
}
