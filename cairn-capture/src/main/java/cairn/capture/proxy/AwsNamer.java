package cairn.capture.proxy;

import cairn.capture.CallRecorder;
import cairn.capture.Exchange;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Names AWS-style calls as CloudTrail does: the service is the SigV4 credential scope's ({@code iam} →
 * {@code iam.amazonaws.com}); the operation is the {@code X-Amz-Target}'s last part (JSON protocols), the
 * {@code Action} query or form parameter (query protocols), or, for S3's REST API, the method, path and
 * sub-resource ({@code PUT /bucket} → CreateBucket, {@code GET /bucket/key} → GetObject, {@code PUT /bucket?policy} →
 * PutBucketPolicy). Calls that are none of these are left to the routes and default names.
 */
public final class AwsNamer implements CallRecorder.Namer {
    private static final Pattern SCOPE = Pattern.compile(
            "Credential=[^/,\\s]+/\\d{8}/([^/,\\s]+)/([^/,\\s]+)/aws4_request");
    private static final Pattern PRESIGNED_SCOPE = Pattern.compile("[^/]+/\\d{8}/([^/]+)/([^/]+)/aws4_request");
    private static final List<String> READ_VERBS = List.of("Get", "List", "Describe", "Head", "Lookup", "Search",
            "BatchGet", "Select", "Query", "Scan");
    /** S3 sub-resources, in the order CloudTrail's names take them, with their names by method. */
    private static final List<String> BUCKET_SUBRESOURCES = List.of("acl", "policy", "tagging", "versioning", "cors",
            "lifecycle", "encryption", "website", "logging", "notification", "replication", "location",
            "ownershipControls", "publicAccessBlock", "accelerate", "requestPayment", "object-lock", "uploads",
            "versions", "delete");

    @Override
    public Optional<CallRecorder.Names> name(Exchange exchange) {
        Optional<String> service = service(exchange);
        if (service.isEmpty()) {
            return Optional.empty();
        }
        String source = service.get() + ".amazonaws.com";
        Optional<String> target = exchange.header("x-amz-target");
        if (target.isPresent() && !target.get().isBlank()) {
            String operation = target.get().substring(target.get().lastIndexOf('.') + 1);
            return Optional.of(names(source, operation, Map.of(), true));
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        exchange.rawQuery().ifPresent(query -> parse(query, parameters));
        if (exchange.header("content-type").map(type -> type.toLowerCase(Locale.ROOT)
                .startsWith("application/x-www-form-urlencoded")).orElse(false)) {
            parse(new String(exchange.requestBody(), StandardCharsets.UTF_8), parameters);
        }
        String action = parameters.remove("Action");
        if (action != null && !action.isBlank()) {
            parameters.remove("Version");
            return Optional.of(names(source, action, parameters, true));
        }
        if (service.get().equals("s3")) {
            return Optional.of(s3(exchange, source));
        }
        return Optional.empty();
    }

    private static CallRecorder.Names names(String source, String operation, Map<String, String> parameters,
                                            boolean lowerCamelCase) {
        boolean read = READ_VERBS.stream().anyMatch(operation::startsWith);
        return new CallRecorder.Names(source, operation, Optional.of(read), new LinkedHashMap<>(parameters),
                lowerCamelCase);
    }

    /** The service a SigV4 signature (header or presigned query) is scoped to. */
    static Optional<String> service(Exchange exchange) {
        Optional<String> authorization = exchange.header("authorization");
        if (authorization.isPresent()) {
            Matcher matcher = SCOPE.matcher(authorization.get());
            if (matcher.find()) {
                return Optional.of(matcher.group(2));
            }
        }
        if (exchange.rawQuery().isPresent()) {
            Map<String, String> query = new LinkedHashMap<>();
            parse(exchange.rawQuery().get(), query);
            String credential = query.get("X-Amz-Credential");
            if (credential != null) {
                Matcher matcher = PRESIGNED_SCOPE.matcher(credential);
                if (matcher.matches()) {
                    return Optional.of(matcher.group(2));
                }
            }
        }
        return Optional.empty();
    }

    /** S3's REST operations, path-style ({@code /bucket/key}). */
    private static CallRecorder.Names s3(Exchange exchange, String source) {
        String method = exchange.method().toUpperCase(Locale.ROOT);
        String path = exchange.path();
        String trimmed = path.startsWith("/") ? path.substring(1) : path;
        int slash = trimmed.indexOf('/');
        String bucket = URLDecoder.decode(slash < 0 ? trimmed : trimmed.substring(0, slash), StandardCharsets.UTF_8);
        String key = slash < 0 || slash == trimmed.length() - 1 ? ""
                : URLDecoder.decode(trimmed.substring(slash + 1), StandardCharsets.UTF_8);
        Map<String, String> query = new LinkedHashMap<>();
        exchange.rawQuery().ifPresent(raw -> parse(raw, query));
        Map<String, String> parameters = new LinkedHashMap<>();
        if (!bucket.isEmpty()) {
            parameters.put("bucketName", bucket);
        }
        exchange.header("host").ifPresent(host -> parameters.put("Host", host));
        if (!key.isEmpty()) {
            parameters.put("key", key);
        }
        String operation;
        if (bucket.isEmpty()) {
            operation = "ListBuckets";
        } else if (key.isEmpty()) {
            operation = bucketOperation(method, query);
        } else {
            operation = objectOperation(method, query, exchange.header("x-amz-copy-source").isPresent());
        }
        return names(source, operation, parameters, false);
    }

    private static String bucketOperation(String method, Map<String, String> query) {
        Optional<String> sub = BUCKET_SUBRESOURCES.stream().filter(query::containsKey).findFirst();
        if (sub.isEmpty()) {
            return switch (method) {
                case "PUT" -> "CreateBucket";
                case "DELETE" -> "DeleteBucket";
                case "HEAD" -> "HeadBucket";
                case "GET" -> "ListObjects";
                default -> "PostBucket";
            };
        }
        String resource = switch (sub.get()) {
            case "object-lock" -> "ObjectLockConfiguration";
            case "location" -> "Location";
            case "cors" -> "Cors";
            case "ownershipControls" -> "OwnershipControls";
            case "publicAccessBlock" -> "PublicAccessBlock";
            case "requestPayment" -> "RequestPayment";
            default -> Character.toUpperCase(sub.get().charAt(0)) + sub.get().substring(1);
        };
        return switch (sub.get()) {
            case "uploads" -> "ListMultipartUploads";
            case "versions" -> "ListObjectVersions";
            case "delete" -> "DeleteObjects";
            default -> switch (method) {
                case "PUT" -> "PutBucket" + resource;
                case "DELETE" -> "DeleteBucket" + resource;
                default -> "GetBucket" + resource;
            };
        };
    }

    private static String objectOperation(String method, Map<String, String> query, boolean copy) {
        if (query.containsKey("uploads") && method.equals("POST")) {
            return "CreateMultipartUpload";
        }
        if (query.containsKey("uploadId")) {
            return switch (method) {
                case "PUT" -> copy ? "UploadPartCopy" : "UploadPart";
                case "POST" -> "CompleteMultipartUpload";
                case "DELETE" -> "AbortMultipartUpload";
                default -> "ListParts";
            };
        }
        for (String sub : List.of("acl", "tagging", "retention", "legal-hold")) {
            if (query.containsKey(sub)) {
                String resource = switch (sub) {
                    case "acl" -> "Acl";
                    case "tagging" -> "Tagging";
                    case "retention" -> "Retention";
                    default -> "LegalHold";
                };
                return switch (method) {
                    case "PUT" -> "PutObject" + resource;
                    case "DELETE" -> "DeleteObject" + resource;
                    default -> "GetObject" + resource;
                };
            }
        }
        return switch (method) {
            case "PUT" -> copy ? "CopyObject" : "PutObject";
            case "DELETE" -> "DeleteObject";
            case "HEAD" -> "HeadObject";
            case "POST" -> query.containsKey("restore") ? "RestoreObject" : "PostObject";
            default -> "GetObject";
        };
    }

    private static void parse(String text, Map<String, String> into) {
        for (String pair : text.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String name = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
            String value = equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
            into.putIfAbsent(name, value);
        }
    }
}
