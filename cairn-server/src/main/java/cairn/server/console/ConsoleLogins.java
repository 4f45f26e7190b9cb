package cairn.server.console;

import cairn.model.record.EventTimes;
import cairn.model.record.ParsedRecord;
import cairn.model.record.RecordProblem;
import cairn.model.record.RecordReader;
import cairn.server.audit.RandomIds;
import cairn.server.audit.SelfAudit;
import cairn.server.history.HistoryTerms;
import cairn.server.identity.Principal;
import cairn.store.Entry;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Optional;

/**
 * Console sign-ins as CloudTrail records them (spec 1.5): {@code ConsoleLogin} from {@code signin.amazonaws.com},
 * event type {@code AwsConsoleSignIn}, {@code responseElements {"ConsoleLogin":"Success"|"Failure"}}, and
 * {@code additionalEventData} with where the user signed in to and that no MFA was used. A failure carries
 * {@code errorMessage}; a user name that does not exist is hidden, as CloudTrail hides it.
 */
final class ConsoleLogins {
    static final String EVENT_SOURCE = "signin.amazonaws.com";
    static final String HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS";
    private static final JsonFactory JSON = new JsonFactory();

    /** One sign-in attempt. {@code principal} is empty when the user name is not known in the account. */
    record Attempt(Instant time, String account, Optional<Principal> principal, String region, String sourceIp,
                   String userAgent, String loginTo, Optional<String> failure) {
        Attempt failed(String message) {
            return new Attempt(time, account, principal, region, sourceIp, userAgent, loginTo, Optional.of(message));
        }
    }

    private ConsoleLogins() {
    }

    static Entry entry(Attempt attempt) {
        String eventId = RandomIds.next();
        byte[] record = record(attempt, eventId);
        ParsedRecord parsed;
        try {
            parsed = RecordReader.readStored(record);
        } catch (RecordProblem problem) {
            throw new IllegalStateException("a ConsoleLogin event Cairn made is unreadable: " + problem.getMessage(),
                    problem);
        }
        return new Entry(attempt.time().getEpochSecond(), HistoryTerms.of(parsed, eventId, attempt.account()), record);
    }

    private static byte[] record(Attempt attempt, String eventId) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("eventVersion", SelfAudit.EVENT_VERSION);
            json.writeObjectFieldStart("userIdentity");
            json.writeStringField("type", "IAMUser");
            if (attempt.principal().isPresent()) {
                Principal principal = attempt.principal().get();
                json.writeStringField("principalId", principal.id());
                json.writeStringField("arn", principal.arn());
                json.writeStringField("accountId", attempt.account());
                if (attempt.failure().isPresent()) {
                    json.writeStringField("accessKeyId", "");
                }
                json.writeStringField("userName", principal.name());
            } else {
                json.writeStringField("accountId", attempt.account());
                json.writeStringField("accessKeyId", "");
                json.writeStringField("userName", HIDDEN);
            }
            json.writeEndObject();
            json.writeStringField("eventTime", EventTimes.format(attempt.time().getEpochSecond()));
            json.writeStringField("eventSource", EVENT_SOURCE);
            json.writeStringField("eventName", "ConsoleLogin");
            json.writeStringField("awsRegion", attempt.region());
            json.writeStringField("sourceIPAddress", attempt.sourceIp());
            json.writeStringField("userAgent", clip(attempt.userAgent()));
            if (attempt.failure().isPresent()) {
                json.writeStringField("errorMessage", attempt.failure().get());
            }
            json.writeNullField("requestParameters");
            json.writeObjectFieldStart("responseElements");
            json.writeStringField("ConsoleLogin", attempt.failure().isPresent() ? "Failure" : "Success");
            json.writeEndObject();
            json.writeObjectFieldStart("additionalEventData");
            json.writeStringField("LoginTo", attempt.loginTo());
            json.writeStringField("MobileVersion", "No");
            json.writeStringField("MFAUsed", "No");
            json.writeEndObject();
            json.writeStringField("eventID", eventId);
            json.writeBooleanField("readOnly", false);
            json.writeStringField("eventType", "AwsConsoleSignIn");
            json.writeBooleanField("managementEvent", true);
            json.writeStringField("recipientAccountId", attempt.account());
            json.writeStringField("eventCategory", "Management");
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static String clip(String text) {
        return text.length() <= 1024 ? text : text.substring(0, 1024);
    }
}
