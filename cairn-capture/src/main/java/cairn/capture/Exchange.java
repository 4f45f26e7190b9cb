package cairn.capture;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import static java.util.Objects.requireNonNull;

/**
 * One HTTP call as a recorder saw it: the request (line, headers, the first bytes of its body and its length), who sent
 * it (the peer's address, the principal the service authenticated, if any), and the outcome (status, the first bytes
 * of the response body, or the exception the service threw).
 *
 * @param headers request headers by lowercase name
 * @param requestBody the first bytes of the request body (at most the recorder's limit)
 * @param requestBodyLength the whole body's length, or -1 when unknown
 * @param responseHeaders response headers by lowercase name
 */
public record Exchange(Instant time, String method, String path, Optional<String> rawQuery,
                       Map<String, List<String>> headers, String peerAddress, Optional<String> principal,
                       byte[] requestBody, long requestBodyLength, int status, Map<String, List<String>> responseHeaders,
                       byte[] responseBody, long responseBodyLength, Optional<Throwable> failure) {
    public Exchange {
        requireNonNull(time, "time is null");
        requireNonNull(method, "method is null");
        requireNonNull(path, "path is null");
        requireNonNull(rawQuery, "rawQuery is null");
        headers = lowercase(headers);
        requireNonNull(peerAddress, "peerAddress is null");
        requireNonNull(principal, "principal is null");
        requireNonNull(requestBody, "requestBody is null");
        responseHeaders = lowercase(responseHeaders);
        requireNonNull(responseBody, "responseBody is null");
        requireNonNull(failure, "failure is null");
    }

    /** The first value of a request header, by any case of its name. */
    public Optional<String> header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.ofNullable(values.getFirst());
    }

    /** The first value of a response header, by any case of its name. */
    public Optional<String> responseHeader(String name) {
        List<String> values = responseHeaders.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.ofNullable(values.getFirst());
    }

    private static Map<String, List<String>> lowercase(Map<String, List<String>> headers) {
        Map<String, List<String>> byName = new TreeMap<>();
        headers.forEach((name, values) -> {
            if (name != null) {
                byName.computeIfAbsent(name.toLowerCase(Locale.ROOT), ignored -> new java.util.ArrayList<>())
                        .addAll(values);
            }
        });
        return byName;
    }
}
