package cairn.model.record;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

final class ServerFieldsTest {
    private static final UUID ID = UUID.fromString("00000000-0000-4000-8000-000000000001");

    private static ServerFields.Stamped stamp(String record) throws Exception {
        byte[] bytes = record.getBytes(StandardCharsets.UTF_8);
        return ServerFields.stamp(bytes, RecordReader.readRecord(bytes), "111122223333", () -> ID);
    }

    @Test
    void stamp_completeRecord_returnsTheSameBytes() throws Exception {
        String record = "{\"eventID\":\"e\",\"eventTime\":\"2024-01-01T00:00:00Z\",\"eventSource\":\"a\","
                + "\"eventName\":\"Frobnicate\",\"awsRegion\":\"r\",\"recipientAccountId\":\"1\",\"eventCategory\":\"Data\"}";
        byte[] bytes = record.getBytes(StandardCharsets.UTF_8);
        ServerFields.Stamped stamped = ServerFields.stamp(bytes, RecordReader.readRecord(bytes), "2", () -> ID);
        assertThat(stamped.bytes()).isSameAs(bytes);
        assertThat(stamped.eventId()).isEqualTo("e");
    }

    @Test
    void stamp_insightsRecord_getsInsightCategoryAndNoReadOnly() throws Exception {
        ServerFields.Stamped stamped = stamp("{\"eventTime\":\"2024-01-01T00:00:00Z\",\"awsRegion\":\"r\","
                + "\"eventType\":\"AwsCloudTrailInsight\",\"insightDetails\":{\"eventName\":\"GetThing\"}}");
        assertThat(new String(stamped.bytes(), StandardCharsets.UTF_8)).isEqualTo("{\"eventID\":\"" + ID
                + "\",\"recipientAccountId\":\"111122223333\",\"eventCategory\":\"Insight\",\"eventTime\":"
                + "\"2024-01-01T00:00:00Z\",\"awsRegion\":\"r\",\"eventType\":\"AwsCloudTrailInsight\","
                + "\"insightDetails\":{\"eventName\":\"GetThing\"}}");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"GetObject, true", "ListBuckets, true", "DescribeInstances, true", "CreateUser, false",
            "DeleteBucket, false", "PutObject, false", "Getaway, NONE", "ConsoleLogin, NONE", "Get, true"})
    void readOnlyOf_eventName(String eventName, String expected) {
        assertThat(ServerFields.readOnlyOf(eventName))
                .isEqualTo(expected.equals("NONE") ? Optional.empty() : Optional.of(Boolean.valueOf(expected)));
    }
}
