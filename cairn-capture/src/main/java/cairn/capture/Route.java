package cairn.capture;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * How a service names one of its operations: a method (or {@code *}) and a path template whose {@code {name}}
 * segments are path variables, mapped to an eventName (and, if the service has several, an eventSource). For example
 * {@code Route.of("DELETE", "/users/{userId}", "DeleteUser")}.
 */
public record Route(String method, String template, String eventName, Optional<String> eventSource,
                    Optional<Boolean> readOnly) {
    public Route {
        requireNonNull(method, "method is null");
        requireNonNull(template, "template is null");
        requireNonNull(eventName, "eventName is null");
        requireNonNull(eventSource, "eventSource is null");
        requireNonNull(readOnly, "readOnly is null");
        if (!template.startsWith("/")) {
            throw new IllegalArgumentException("a path template starts with /: " + template);
        }
    }

    public static Route of(String method, String template, String eventName) {
        return new Route(method.toUpperCase(Locale.ROOT), template, eventName, Optional.empty(), Optional.empty());
    }

    /** The same route, its events from {@code source}. */
    public Route from(String source) {
        return new Route(method, template, eventName, Optional.of(source), readOnly);
    }

    /** The same route, read-only or not whatever its method says. */
    public Route readOnly(boolean value) {
        return new Route(method, template, eventName, eventSource, Optional.of(value));
    }

    /** The path variables, when {@code method} and {@code path} match. */
    Optional<Map<String, String>> match(String requestMethod, String path) {
        if (!method.equals("*") && !method.equalsIgnoreCase(requestMethod)) {
            return Optional.empty();
        }
        List<String> expected = segments(template);
        List<String> actual = segments(path);
        if (expected.size() != actual.size()) {
            return Optional.empty();
        }
        Map<String, String> variables = new LinkedHashMap<>();
        for (int i = 0; i < expected.size(); i++) {
            String part = expected.get(i);
            if (part.length() > 2 && part.startsWith("{") && part.endsWith("}")) {
                variables.put(part.substring(1, part.length() - 1),
                        java.net.URLDecoder.decode(actual.get(i).replace("+", "%2B"),
                                java.nio.charset.StandardCharsets.UTF_8));
            } else if (!part.equals(actual.get(i))) {
                return Optional.empty();
            }
        }
        return Optional.of(variables);
    }

    static List<String> segments(String path) {
        return java.util.Arrays.stream(path.split("/")).filter(segment -> !segment.isEmpty()).toList();
    }
}
