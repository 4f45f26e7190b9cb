package cairn.server.http;

import cairn.model.error.CloudTrailException;
import cairn.model.error.ErrorCode;
import cairn.model.json.StrictJson;
import cairn.server.audit.Call;
import cairn.server.audit.SelfAudit;
import cairn.server.history.EventHistory;
import cairn.server.identity.Caller;
import cairn.server.identity.PermissionSet;
import cairn.server.integrity.PublicKeysApi;
import cairn.server.trail.TrailApi;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Iterator;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

import static java.util.Objects.requireNonNull;

/**
 * The operations of the CloudTrail API that Cairn serves, run for a caller already authenticated and authorized:
 * by the SigV4 edge ({@link ApiRoutes}) and by the console, which signs its users in with passwords instead. The
 * call's request parameters are kept for its audit event, as CloudTrail records them.
 */
public final class CloudTrailOperations {
    /** Request parameters larger than this are left out of the audit event. */
    private static final int MAX_AUDITED_PARAMETERS = 16 * 1024;
    private static final Logger LOG = Logger.getLogger(CloudTrailOperations.class.getName());

    private final EventHistory history;
    private final TrailApi trailApi;
    private final PublicKeysApi publicKeys;
    private final SelfAudit audit;

    public CloudTrailOperations(EventHistory history, TrailApi trailApi, PublicKeysApi publicKeys, SelfAudit audit) {
        this.history = requireNonNull(history, "history is null");
        this.trailApi = requireNonNull(trailApi, "trailApi is null");
        this.publicKeys = requireNonNull(publicKeys, "publicKeys is null");
        this.audit = requireNonNull(audit, "audit is null");
    }

    /** What an operation does, for permission sets: reads (LookupEvents, Describe, Get, List), ingest, or manage. */
    public static PermissionSet.Access access(String operation) {
        if (operation.equals("LookupEvents") || operation.startsWith("Describe") || operation.startsWith("Get")
                || operation.startsWith("List")) {
            return PermissionSet.Access.READ;
        }
        return PermissionSet.Access.MANAGE;
    }

    /** Refuses, with AccessDeniedException naming the action, what the caller's permission set does not allow. */
    public static void authorize(Caller caller, PermissionSet.Access access, String action) {
        if (!caller.allows(access)) {
            throw new CloudTrailException(ErrorCode.ACCESS_DENIED, "User: " + caller.arn() + " is not "
                    + "authorized to perform: " + action + " because its permission set, "
                    + caller.principal().permissions().wireName() + ", does not allow it.");
        }
    }

    /** What a failed call answers: its error code and message. */
    public record Failure(ErrorCode code, String message) {
    }

    /**
     * Records the audit event of a call that failed with {@code failure} and returns what to answer: a
     * {@link CloudTrailException}'s code and message, or, for anything else (logged), an internal failure naming the
     * request ID.
     */
    public Failure failed(Call call, RuntimeException failure) {
        Failure answer;
        if (failure instanceof CloudTrailException known) {
            answer = new Failure(known.code(), known.getMessage());
        } else {
            LOG.log(Level.SEVERE, "request " + call.requestId() + " failed", failure);
            answer = new Failure(ErrorCode.INTERNAL_FAILURE, "The request failed on the server; request ID "
                    + call.requestId() + ".");
        }
        call.failed(answer.code(), answer.message());
        audit.record(call);
        return answer;
    }

    /**
     * Runs {@code operation} (its name without the target prefix) with the request body as sent, for the call's
     * caller in the call's region; returns the response body. {@code severalLookupAttributes}: LookupEvents ANDs
     * several attributes whatever the configuration says.
     */
    public byte[] run(Call call, String operation, byte[] body, boolean severalLookupAttributes) {
        JsonNode parameters = EventHistory.parseBody(body);
        if (body.length <= MAX_AUDITED_PARAMETERS && parameters.isObject()) {
            call.requestParameters(camelCased(parameters).toString());
        }
        Caller caller = call.requireCaller();
        String region = call.region().orElseThrow();
        if (TrailApi.serves(operation)) {
            return trailApi.call(operation, caller, region, parameters, () -> audit.record(call));
        }
        return switch (operation) {
            case "LookupEvents" -> severalLookupAttributes
                    ? history.lookupEvents(caller.accountId(), region, parameters, true)
                    : history.lookupEvents(caller.accountId(), region, parameters);
            case "ListPublicKeys" -> publicKeys.listPublicKeys(region, parameters);
            default -> throw new CloudTrailException(ErrorCode.UNKNOWN_OPERATION,
                    "Cairn does not serve the CloudTrail operation " + operation + ".");
        };
    }

    /** The request as CloudTrail records it in requestParameters: member names start with a lower-case letter. */
    static JsonNode camelCased(JsonNode node) {
        if (node.isObject()) {
            ObjectNode copy = StrictJson.MAPPER.createObjectNode();
            for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                String name = field.getKey();
                String lower = name.isEmpty() ? name : Character.toLowerCase(name.charAt(0)) + name.substring(1);
                copy.set(lower, camelCased(field.getValue()));
            }
            return copy;
        }
        if (node.isArray()) {
            ArrayNode copy = StrictJson.MAPPER.createArrayNode();
            node.forEach(element -> copy.add(camelCased(element)));
            return copy;
        }
        return node;
    }
}
