package cairn.model.trail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.Optional;

/** How a trail is kept on disk (Cairn's own form, not CloudTrail's wire shape): one JSON object per trail. */
public final class TrailJson {
    private TrailJson() {
    }

    public static void write(Trail trail, ObjectNode node) {
        node.put("accountId", trail.accountId()).put("name", trail.name())
                .put("homeRegion", trail.homeRegion()).put("s3BucketName", trail.s3BucketName())
                .put("includeGlobalServiceEvents", trail.includeGlobalServiceEvents())
                .put("multiRegion", trail.multiRegion()).put("logFileValidation", trail.logFileValidation())
                .put("logging", trail.logging().on());
        trail.s3KeyPrefix().ifPresent(prefix -> node.put("s3KeyPrefix", prefix));
        trail.logging().started().ifPresent(at -> node.put("startedLogging", at.toString()));
        trail.logging().stopped().ifPresent(at -> node.put("stoppedLogging", at.toString()));
        trail.selectors().ifPresent(selectors -> selectors.writeTo(node.putObject("selectors")));
        trail.kmsKeyId().ifPresent(key -> node.put("kmsKeyId", key));
    }

    public static Trail read(JsonNode node) {
        return new Trail(node.get("accountId").asText(), node.get("name").asText(),
                node.get("homeRegion").asText(), node.get("s3BucketName").asText(),
                text(node, "s3KeyPrefix"), node.get("includeGlobalServiceEvents").asBoolean(),
                node.get("multiRegion").asBoolean(), node.get("logFileValidation").asBoolean(),
                new Trail.Logging(node.get("logging").asBoolean(), text(node, "startedLogging")
                        .map(Instant::parse), text(node, "stoppedLogging").map(Instant::parse)),
                node.has("selectors") ? Optional.of(EventSelectors.parse(
                        node.get("selectors").get("EventSelectors"),
                        node.get("selectors").get("AdvancedEventSelectors"))) : Optional.empty(),
                text(node, "kmsKeyId"));
    }

    private static Optional<String> text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? Optional.empty() : Optional.of(value.asText());
    }
}
