package cairn.server.http;

import cairn.model.error.CloudTrailException;
import cairn.model.error.ErrorCode;
import cairn.server.audit.Call;
import cairn.server.audit.RandomIds;
import cairn.server.audit.SelfAudit;
import cairn.server.auth.Authenticator;
import cairn.server.auth.SigV4Verifier;
import cairn.server.history.EventHistory;
import cairn.server.integrity.PublicKeysApi;
import cairn.server.identity.Caller;
import cairn.server.identity.PermissionSet;
import cairn.server.ingest.Ingest;
import cairn.server.ingest.PutAuditEvents;
import cairn.server.trail.TrailApi;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Cairn's HTTP edge: the CloudTrail API over AWS JSON 1.1 ({@code POST /} with {@code X-Amz-Target}), the
 * {@code cloudtrail-data} PutAuditEvents operation (rest-json, {@code POST /PutAuditEvents}), and the native batch
 * endpoint {@code POST /records}. Every call is authenticated (SigV4, {@link Authenticator}), authorized by the
 * caller's permission set, and audited ({@link SelfAudit}), whatever its outcome. Every response carries
 * {@code x-amzn-RequestId}; every error is {@code {"__type":..., "message":...}} with {@code x-amzn-ErrorType}.
 */
public final class ApiRoutes {
    public static final String TARGET_PREFIX = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.";
    public static final String RECORDS_PATH = "/records";
    private static final HeaderName TARGET = HeaderNames.create("X-Amz-Target");
    private static final HeaderName REQUEST_ID = HeaderNames.create("x-amzn-RequestId");
    private static final HeaderName ERROR_TYPE = HeaderNames.create("x-amzn-ErrorType");
    private static final String AWS_JSON = "application/x-amz-json-1.1";
    private static final String JSON = "application/json";
    private static final JsonFactory JSON_FACTORY = new JsonFactory();

    private final CloudTrailOperations operations;
    private final Ingest ingest;
    private final PutAuditEvents putAuditEvents;
    private final Authenticator authenticator;
    private final SelfAudit audit;
    private final Clock clock;
    private final long maxRequestBytes;

    public ApiRoutes(EventHistory history, Ingest ingest, PutAuditEvents putAuditEvents, Authenticator authenticator,
                     SelfAudit audit, TrailApi trailApi, PublicKeysApi publicKeys, Clock clock,
                     long maxRequestBytes) {
        this.operations = new CloudTrailOperations(history, trailApi, publicKeys, audit);
        this.ingest = ingest;
        this.putAuditEvents = putAuditEvents;
        this.authenticator = authenticator;
        this.audit = audit;
        this.clock = clock;
        this.maxRequestBytes = maxRequestBytes;
    }

    /** The three endpoints, with the content type they answer in and the services their signatures are scoped to. */
    private enum Endpoint {
        CLOUDTRAIL(AWS_JSON, Set.of("cloudtrail")),
        PUT_AUDIT_EVENTS(JSON, Set.of("cloudtrail-data")),
        RECORDS(JSON, Set.of("cloudtrail", "cloudtrail-data"));

        private final String contentType;
        private final Set<String> services;

        Endpoint(String contentType, Set<String> services) {
            this.contentType = contentType;
            this.services = services;
        }
    }

    /** The route table; tests start a server on exactly these routes. */
    public void register(HttpRouting.Builder routing) {
        routing.post("/", (request, response) -> handle(request, response, Endpoint.CLOUDTRAIL))
                .post("/PutAuditEvents", (request, response) -> handle(request, response, Endpoint.PUT_AUDIT_EVENTS))
                .post(RECORDS_PATH, (request, response) -> handle(request, response, Endpoint.RECORDS));
    }

    private void handle(ServerRequest request, ServerResponse response, Endpoint endpoint) {
        Call call = new Call(RandomIds.next(), clock.instant(), sourceIpAddress(request),
                request.headers().first(HeaderNames.USER_AGENT));
        response.header(REQUEST_ID, call.requestId());
        byte[] answer;
        try {
            String operation = operationName(request, endpoint);
            PermissionSet.Access access = access(endpoint, operation);
            call.operation(operation, access == PermissionSet.Access.READ);
            byte[] body = readBody(request);
            Caller caller = authenticator.authenticate(call, signedRequest(request, body),
                    request.query().first("X-Amz-Credential").asOptional(), endpoint.services);
            CloudTrailOperations.authorize(caller, access, action(endpoint, operation));
            answer = switch (endpoint) {
                case CLOUDTRAIL -> cloudTrail(request, call, operation, body);
                case PUT_AUDIT_EVENTS -> putAuditEvents.handle(call,
                        request.query().first("channelArn").asOptional(),
                        request.query().first("externalId").asOptional(), body);
                case RECORDS -> records(call, body);
            };
        } catch (RuntimeException e) {
            CloudTrailOperations.Failure failure = operations.failed(call, e);
            sendError(response, endpoint.contentType, failure.code(), failure.message());
            return;
        }
        // Recorded before the answer leaves, so that whoever holds the answer finds the event after flushAudit().
        audit.record(call);
        response.status(200);
        response.header(HeaderNames.CONTENT_TYPE, endpoint.contentType);
        response.send(answer);
    }

    /** The operation a call names, as its audit event's eventName; checked only once the caller is known. */
    private static String operationName(ServerRequest request, Endpoint endpoint) {
        return switch (endpoint) {
            case CLOUDTRAIL -> {
                String target = request.headers().first(TARGET).orElse("");
                yield target.startsWith(TARGET_PREFIX) ? target.substring(TARGET_PREFIX.length())
                        : target.isEmpty() ? "Unknown" : target;
            }
            case PUT_AUDIT_EVENTS -> "PutAuditEvents";
            case RECORDS -> "PutRecords";
        };
    }

    private static PermissionSet.Access access(Endpoint endpoint, String operation) {
        return endpoint == Endpoint.CLOUDTRAIL ? CloudTrailOperations.access(operation) : PermissionSet.Access.INGEST;
    }

    private static String action(Endpoint endpoint, String operation) {
        return switch (endpoint) {
            case CLOUDTRAIL -> "cloudtrail:" + operation;
            case PUT_AUDIT_EVENTS -> "cloudtrail-data:PutAuditEvents";
            case RECORDS -> "cairn:PutRecords";
        };
    }

    private static String sourceIpAddress(ServerRequest request) {
        SocketAddress address = request.remotePeer().address();
        if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
            return inet.getAddress().getHostAddress();
        }
        return String.valueOf(address);
    }

    /** The request as SigV4 sees it: method, path and query as sent, every header, the body. */
    private static SigV4Verifier.Request signedRequest(ServerRequest request, byte[] body) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (Header header : request.headers()) {
            headers.computeIfAbsent(header.name(), ignored -> new ArrayList<>()).addAll(header.allValues());
        }
        return new SigV4Verifier.Request(request.prologue().method().text(), request.path().rawPath(),
                request.query().rawValue(), headers, body);
    }

    /** Reads the body, refusing one larger than the configured limit without holding more of it than that. */
    private byte[] readBody(ServerRequest request) {
        if (!request.content().hasEntity()) {
            return new byte[0];
        }
        long declared = request.headers().contentLength().orElse(-1);
        if (declared > maxRequestBytes) {
            throw tooLarge(declared);
        }
        try (InputStream in = request.content().inputStream()) {
            if (declared >= 0) {
                byte[] body = new byte[(int) declared];
                int read = in.readNBytes(body, 0, body.length);
                if (read < body.length) {
                    throw new CloudTrailException(ErrorCode.SERIALIZATION, "The request body ended after " + read
                            + " of " + declared + " bytes.");
                }
                return body;
            }
            byte[] body = in.readNBytes((int) maxRequestBytes + 1);
            if (body.length > maxRequestBytes) {
                throw tooLarge(body.length);
            }
            return body;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private CloudTrailException tooLarge(long size) {
        return new CloudTrailException(ErrorCode.REQUEST_TOO_LARGE, "The request body" + (size > maxRequestBytes + 1
                ? " of " + size + " bytes" : "") + " is larger than the limit of " + maxRequestBytes
                + " bytes (ingest.max-request-size).");
    }

    private byte[] cloudTrail(ServerRequest request, Call call, String operation, byte[] body) {
        String target = request.headers().first(TARGET).orElseThrow(() -> new CloudTrailException(
                ErrorCode.UNKNOWN_OPERATION, "The X-Amz-Target header is missing."));
        if (!target.startsWith(TARGET_PREFIX)) {
            throw new CloudTrailException(ErrorCode.UNKNOWN_OPERATION, "Unknown operation " + target + ".");
        }
        return operations.run(call, operation, body, false);
    }

    /**
     * {@code {"recordCount":N,"firstOffset":F,"eventIDs":[...],"duplicates":D}}: the records newly stored and the
     * offset of the first (left out when none is new), the event ID of every record sent, in order, and how many of
     * them were already stored (resent), which are accepted as well.
     */
    private byte[] records(Call call, byte[] body) {
        Ingest.Ingested ingested = ingest.ingestRecords(call, body);
        List<Ingest.Stored> stored = ingested.stored();
        ByteArrayOutputStream out = new ByteArrayOutputStream(96 + 48 * ingested.eventIds().size());
        try (JsonGenerator json = JSON_FACTORY.createGenerator(out)) {
            json.writeStartObject();
            json.writeNumberField("recordCount", stored.size());
            if (!stored.isEmpty()) {
                json.writeNumberField("firstOffset", stored.getFirst().offset());
            }
            json.writeArrayFieldStart("eventIDs");
            for (String eventId : ingested.eventIds()) {
                json.writeString(eventId);
            }
            json.writeEndArray();
            json.writeNumberField("duplicates", ingested.duplicates());
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void sendError(ServerResponse response, String contentType, ErrorCode code, String message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128 + message.length());
        try (JsonGenerator json = JSON_FACTORY.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("__type", code.wireName());
            json.writeStringField("message", message);
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        response.status(ErrorResponses.status(code));
        response.header(ERROR_TYPE, code.wireName());
        response.header(HeaderNames.CONTENT_TYPE, contentType);
        response.send(out.toByteArray());
    }

}
