package cairn.server.identity;

import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

import static java.util.Objects.requireNonNull;

/** Who made a call whose signature checked out: the key it signed with, its principal and its account. */
public record Caller(Account account, Principal principal, AccessKey key) {
    public Caller {
        requireNonNull(account, "account is null");
        requireNonNull(principal, "principal is null");
        requireNonNull(key, "key is null");
    }

    public String accountId() {
        return account.id();
    }

    public boolean allows(PermissionSet.Access access) {
        return principal.permissions().allows(access);
    }

    /** The ARN CloudTrail shows for the caller: the user's, or the assumed-role session's. */
    public String arn() {
        return key.session().map(session -> "arn:aws:sts::" + account.id() + ":assumed-role/" + principal.name()
                + "/" + session.name()).orElse(principal.arn());
    }

    /** The caller as CloudTrail's {@code userIdentity}: an IAMUser, or an AssumedRole with its session context. */
    public void writeUserIdentity(JsonGenerator json) throws IOException {
        json.writeStartObject();
        if (key.session().isEmpty()) {
            json.writeStringField("type", "IAMUser");
            json.writeStringField("principalId", principal.id());
            json.writeStringField("arn", principal.arn());
            json.writeStringField("accountId", account.id());
            json.writeStringField("accessKeyId", key.id());
            json.writeStringField("userName", principal.name());
            if (key.id().startsWith("ASIA")) {
                // A user's temporary key is a console session's: CloudTrail shows when it began.
                json.writeObjectFieldStart("sessionContext");
                json.writeObjectFieldStart("sessionIssuer");
                json.writeEndObject();
                json.writeObjectFieldStart("webIdFederationData");
                json.writeEndObject();
                writeSessionAttributes(json);
                json.writeEndObject();
            }
        } else {
            AccessKey.Session session = key.session().get();
            json.writeStringField("type", "AssumedRole");
            json.writeStringField("principalId", principal.id() + ":" + session.name());
            json.writeStringField("arn", arn());
            json.writeStringField("accountId", account.id());
            json.writeStringField("accessKeyId", key.id());
            json.writeObjectFieldStart("sessionContext");
            json.writeObjectFieldStart("sessionIssuer");
            json.writeStringField("type", "Role");
            json.writeStringField("principalId", principal.id());
            json.writeStringField("arn", principal.arn());
            json.writeStringField("accountId", account.id());
            json.writeStringField("userName", principal.name());
            json.writeEndObject();
            writeSessionAttributes(json);
            json.writeEndObject();
        }
        json.writeEndObject();
    }

    /** A session's {@code attributes}: when its key was made, and that no MFA was used. */
    private void writeSessionAttributes(JsonGenerator json) throws IOException {
        json.writeObjectFieldStart("attributes");
        json.writeStringField("creationDate",
                DateTimeFormatter.ISO_INSTANT.format(key.created().truncatedTo(ChronoUnit.SECONDS)));
        json.writeStringField("mfaAuthenticated", "false");
        json.writeEndObject();
    }
}
