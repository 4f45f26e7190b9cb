package cairn.server.audit;

import cairn.model.error.ErrorCode;
import cairn.server.identity.Caller;
import cairn.server.identity.Directory;

import java.time.Instant;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * One call to Cairn's API as the edge learns about it, step by step: when and from where it came, which operation it
 * named, who signed it (or claimed to), what it asked and what it got. It becomes the call's self-audit event.
 * Used by the one thread that serves the call.
 */
public final class Call {
    private final String requestId;
    private final Instant time;
    private final String sourceIpAddress;
    private final Optional<String> userAgent;
    private String eventSource = SelfAudit.EVENT_SOURCE;
    private String eventName = "Unknown";
    private boolean readOnly;
    private Optional<String> region = Optional.empty();
    private Optional<String> accessKeyId = Optional.empty();
    private Optional<Directory.Credential> claimed = Optional.empty();
    private Optional<Caller> caller = Optional.empty();
    private Optional<String> requestParameters = Optional.empty();
    private Optional<String> responseElements = Optional.empty();
    private Optional<ErrorCode> errorCode = Optional.empty();
    private Optional<String> errorMessage = Optional.empty();
    private boolean audited;
    private boolean fromConsole;

    public Call(String requestId, Instant time, String sourceIpAddress, Optional<String> userAgent) {
        this.requestId = requireNonNull(requestId, "requestId is null");
        this.time = requireNonNull(time, "time is null");
        this.sourceIpAddress = requireNonNull(sourceIpAddress, "sourceIpAddress is null");
        this.userAgent = requireNonNull(userAgent, "userAgent is null");
    }

    public String requestId() {
        return requestId;
    }

    public Instant time() {
        return time;
    }

    public String sourceIpAddress() {
        return sourceIpAddress;
    }

    public Optional<String> userAgent() {
        return userAgent;
    }

    public String eventName() {
        return eventName;
    }

    /** The service the call's event names: Cairn's CloudTrail API, unless the call belongs to another (IAM's). */
    public String eventSource() {
        return eventSource;
    }

    public void eventSource(String source) {
        this.eventSource = requireNonNull(source, "source is null");
    }

    public boolean readOnly() {
        return readOnly;
    }

    /** The operation the call named, and whether it only reads. */
    public void operation(String name, boolean onlyReads) {
        this.eventName = requireNonNull(name, "name is null");
        this.readOnly = onlyReads;
    }

    public Optional<String> region() {
        return region;
    }

    public Optional<String> accessKeyId() {
        return accessKeyId;
    }

    /** The signature's credential scope, read before the signature is checked. */
    public void scope(String accessKey, String scopeRegion) {
        this.accessKeyId = Optional.of(accessKey);
        this.region = Optional.of(scopeRegion);
    }

    public Optional<Directory.Credential> claimed() {
        return claimed;
    }

    /** The key the call was signed with, known to the directory, before the signature is found good. */
    public void claimed(Directory.Credential credential) {
        this.claimed = Optional.of(credential);
    }

    public Optional<Caller> caller() {
        return caller;
    }

    /** The caller, once its signature checked out. */
    public void authenticated(Caller authenticated) {
        this.caller = Optional.of(authenticated);
    }

    /** The caller; only for operations, which run after authentication. */
    public Caller requireCaller() {
        return caller.orElseThrow(() -> new IllegalStateException("the call is not authenticated"));
    }

    public Optional<String> requestParameters() {
        return requestParameters;
    }

    /** The request's parameters as a JSON object, as CloudTrail shows them (never secrets). */
    public void requestParameters(String json) {
        this.requestParameters = Optional.of(json);
    }

    public Optional<String> responseElements() {
        return responseElements;
    }

    /** What the call changed or created, as a JSON object (reads leave it null, as CloudTrail does). */
    public void responseElements(String json) {
        this.responseElements = Optional.of(json);
    }

    public Optional<ErrorCode> errorCode() {
        return errorCode;
    }

    public Optional<String> errorMessage() {
        return errorMessage;
    }

    public void failed(ErrorCode code, String message) {
        this.errorCode = Optional.of(code);
        this.errorMessage = Optional.of(message);
    }

    /** Whether the call came from a console session (its event then says {@code sessionCredentialFromConsole}). */
    public boolean fromConsole() {
        return fromConsole;
    }

    public void markFromConsole() {
        this.fromConsole = true;
    }

    /** Whether the call's audit event is already written (with the events an ingest call stored). */
    public boolean audited() {
        return audited;
    }

    public void markAudited() {
        this.audited = true;
    }
}
