package cairn.model.lookup;

import java.util.Arrays;
import java.util.Optional;

/**
 * The attributes LookupEvents finds events by, spelled as the API spells them (case-sensitive). Each has a one
 * letter code used in index terms.
 */
public enum LookupAttribute {
    EVENT_ID("EventId", 'I', true),
    EVENT_NAME("EventName", 'N', true),
    READ_ONLY("ReadOnly", 'R', false),
    USERNAME("Username", 'U', false),
    RESOURCE_TYPE("ResourceType", 'T', false),
    RESOURCE_NAME("ResourceName", 'A', false),
    EVENT_SOURCE("EventSource", 'S', true),
    ACCESS_KEY_ID("AccessKeyId", 'K', false);

    private final String apiName;
    private final char code;
    private final boolean forInsights;

    LookupAttribute(String apiName, char code, boolean forInsights) {
        this.apiName = apiName;
        this.code = code;
        this.forInsights = forInsights;
    }

    public String apiName() {
        return apiName;
    }

    public char code() {
        return code;
    }

    /** Insights lookups support only EventId, EventName and EventSource. */
    public boolean forInsights() {
        return forInsights;
    }

    public static Optional<LookupAttribute> fromApiName(String name) {
        return Arrays.stream(values()).filter(attribute -> attribute.apiName.equals(name)).findFirst();
    }
}
