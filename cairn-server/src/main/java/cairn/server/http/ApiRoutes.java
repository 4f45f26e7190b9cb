package cairn.server.http;

import cairn.model.error.CloudTrailException;
import cairn.model.error.ErrorCode;
import cairn.server.auth.CredentialScope;
import cairn.server.history.EventHistory;
import cairn.server.ingest.Ingest;
import cairn.server.ingest.PutAuditEvents;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Cairn's HTTP edge: the CloudTrail API over AWS JSON 1.1 ({@code POST /} with {@code X-Amz-Target}), the
 * {@code cloudtrail-data} PutAuditEvents operation (rest-json, {@code POST /PutAuditEvents}), and the native batch
 * endpoint {@code POST /records}. Every response carries {@code x-amzn-RequestId}; every error is
 * {@code {"__type":..., "message":...}} with {@code x-amzn-ErrorType}.
 */
public final class ApiRoutes {
    public static final String TARGET_PREFIX = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.";
    public static final String RECORDS_PATH = "/records";
    private static final Logger LOG = Logger.getLogger(ApiRoutes.class.getName());
    private static final HeaderName TARGET = HeaderNames.create("X-Amz-Target");
    private static final HeaderName REQUEST_ID = HeaderNames.create("x-amzn-RequestId");
    private static final HeaderName ERROR_TYPE = HeaderNames.create("x-amzn-ErrorType");
    private static final String AWS_JSON = "application/x-amz-json-1.1";
    private static final String JSON = "application/json";
    private static final JsonFactory JSON_FACTORY = new JsonFactory();

    private final EventHistory history;
    private final Ingest ingest;
    private final PutAuditEvents putAuditEvents;
    private final long maxRequestBytes;

    public ApiRoutes(EventHistory history, Ingest ingest, PutAuditEvents putAuditEvents, long maxRequestBytes) {
        this.history = history;
        this.ingest = ingest;
        this.putAuditEvents = putAuditEvents;
        this.maxRequestBytes = maxRequestBytes;
    }

    /** The route table; tests start a server on exactly these routes. */
    public void register(HttpRouting.Builder routing) {
        routing.post("/", (request, response) -> handle(request, response, AWS_JSON, this::cloudTrail))
                .post("/PutAuditEvents", (request, response) -> handle(request, response, JSON, this::putAuditEvents))
                .post(RECORDS_PATH, (request, response) -> handle(request, response, JSON, this::records));
    }

    private interface Operation {
        byte[] call(ServerRequest request, CredentialScope scope, byte[] body);
    }

    private void handle(ServerRequest request, ServerResponse response, String contentType, Operation operation) {
        String requestId = UUID.randomUUID().toString();
        response.header(REQUEST_ID, requestId);
        byte[] answer;
        try {
            CredentialScope scope = CredentialScope.of(request.headers().first(HeaderNames.AUTHORIZATION),
                    request.query().first("X-Amz-Credential").asOptional());
            byte[] body = readBody(request);
            answer = operation.call(request, scope, body);
        } catch (CloudTrailException e) {
            sendError(response, contentType, e.code(), e.getMessage());
            return;
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "request " + requestId + " failed", e);
            sendError(response, contentType, ErrorCode.INTERNAL_FAILURE,
                    "The request failed on the server; request ID " + requestId + ".");
            return;
        }
        response.status(200);
        response.header(HeaderNames.CONTENT_TYPE, contentType);
        response.send(answer);
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

    private byte[] cloudTrail(ServerRequest request, CredentialScope scope, byte[] body) {
        String target = request.headers().first(TARGET).orElseThrow(() -> new CloudTrailException(
                ErrorCode.UNKNOWN_OPERATION, "The X-Amz-Target header is missing."));
        if (!target.startsWith(TARGET_PREFIX)) {
            throw new CloudTrailException(ErrorCode.UNKNOWN_OPERATION, "Unknown operation " + target + ".");
        }
        String operation = target.substring(TARGET_PREFIX.length());
        return switch (operation) {
            case "LookupEvents" -> history.lookupEvents(scope.region(), EventHistory.parseBody(body));
            default -> throw new CloudTrailException(ErrorCode.UNKNOWN_OPERATION,
                    "Cairn does not serve the CloudTrail operation " + operation + ".");
        };
    }

    private byte[] putAuditEvents(ServerRequest request, CredentialScope scope, byte[] body) {
        return putAuditEvents.handle(scope.region(), request.query().first("channelArn").asOptional(),
                request.query().first("externalId").asOptional(), body);
    }

    private byte[] records(ServerRequest request, CredentialScope scope, byte[] body) {
        List<Ingest.Stored> stored = ingest.ingestRecords(body);
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + 48 * stored.size());
        try (JsonGenerator json = JSON_FACTORY.createGenerator(out)) {
            json.writeStartObject();
            json.writeNumberField("recordCount", stored.size());
            json.writeNumberField("firstOffset", stored.getFirst().offset());
            json.writeArrayFieldStart("eventIDs");
            for (Ingest.Stored record : stored) {
                json.writeString(record.eventId());
            }
            json.writeEndArray();
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
