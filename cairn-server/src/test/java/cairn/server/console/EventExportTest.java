package cairn.server.console;

import cairn.model.record.ParsedRecord;
import cairn.model.record.RecordReader;
import cairn.store.StoredEntry;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The download formats: CSV cells quoted as RFC 4180 says, JSON as a log file's body with the records unchanged. */
final class EventExportTest {
    private static final String RECORD = "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"IAMUser\","
            + "\"userName\":\"o\\\"brien, jr\",\"accessKeyId\":\"AKIAX\"},\"eventTime\":\"2026-12-06T10:00:00Z\","
            + "\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"PutObject\",\"awsRegion\":\"eu-west-1\","
            + "\"sourceIPAddress\":\"203.0.113.9\",\"eventID\":\"e-1\",\"readOnly\":false,\"errorCode\":"
            + "\"AccessDenied\",\"resources\":[{\"type\":\"AWS::S3::Object\",\"ARN\":\"arn:aws:s3:::b/a\\nb\"},"
            + "{\"type\":\"AWS::S3::Bucket\",\"ARN\":\"arn:aws:s3:::b\"}]}";

    private static StoredEntry entry(String record) {
        return new StoredEntry(7, 1796551200L, record.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void csv_quotesCellsWithCommasQuotesAndLineBreaks() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        EventExport csv = EventExport.of("csv", out);
        ParsedRecord parsed = RecordReader.readStored(RECORD.getBytes(StandardCharsets.UTF_8));

        csv.start();
        csv.event(entry(RECORD), Optional.of(parsed));
        csv.event(entry("not a record"), Optional.empty());
        csv.finish();

        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("Event ID,Event time,User name,Event name,"
                + "Event source,Resource type,Resource name,AWS access key,AWS region,Error code,Source IP address,"
                + "Read-only\r\n"
                + "e-1,2026-12-06T10:00:00Z,\"o\"\"brien, jr\",PutObject,s3.amazonaws.com,"
                + "\"AWS::S3::Object, AWS::S3::Bucket\",\"arn:aws:s3:::b/a\nb, arn:aws:s3:::b\",AKIAX,eu-west-1,"
                + "AccessDenied,203.0.113.9,false\r\n"
                + ",2026-12-06T10:00:00Z,,,,,,,,,,\r\n");
    }

    @Test
    void csv_cellsASpreadsheetWouldRunAsFormulas_areDefused() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        EventExport csv = EventExport.of("csv", out);
        String record = RECORD.replace("o\\\"brien, jr", "=HYPERLINK(\\\"http://x\\\")").replace("PutObject", "@SUM(1)")
                .replace("\"eventSource\":\"s3.amazonaws.com\"", "\"eventSource\":\"-2+3\"");

        csv.event(entry(record), Optional.of(RecordReader.readStored(record.getBytes(StandardCharsets.UTF_8))));

        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("e-1,2026-12-06T10:00:00Z,"
                + "\"'=HYPERLINK(\"\"http://x\"\")\",'@SUM(1),'-2+3,");
    }

    @Test
    void json_isALogFileBodyWithTheRecordsAsStored() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        EventExport json = EventExport.of("json", out);

        json.start();
        json.event(entry(RECORD), Optional.empty());
        json.event(entry("{\"eventVersion\":\"1.08\"}"), Optional.empty());
        json.finish();

        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("{\"Records\":[" + RECORD
                + ",{\"eventVersion\":\"1.08\"}]}\n");
        assertThat(EventExport.sourceIpAddress(RECORD.getBytes(StandardCharsets.UTF_8))).isEqualTo("203.0.113.9");
        assertThat(EventExport.sourceIpAddress("[]".getBytes(StandardCharsets.UTF_8))).isEmpty();
    }
}
