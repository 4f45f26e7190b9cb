package cairn.server.console;

import cairn.model.record.EventTimes;
import cairn.model.record.ParsedRecord;
import cairn.model.record.Resource;
import cairn.store.StoredEntry;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The console's downloads of the event history, written as events come, so that none is held: JSON as a CloudTrail
 * log file's body ({@code {"Records":[...]}}, the records exactly as stored) or CSV (RFC 4180, CRLF, one header
 * line; the columns of {@link #CSV_COLUMNS}; a cell that a spreadsheet would take for a formula, starting with
 * {@code = + - @}, a tab or a carriage return, gets a leading {@code '}). Not thread-safe: one per download.
 */
abstract sealed class EventExport {
    static final List<String> CSV_COLUMNS = List.of("Event ID", "Event time", "User name", "Event name",
            "Event source", "Resource type", "Resource name", "AWS access key", "AWS region", "Error code",
            "Source IP address", "Read-only");
    private static final JsonFactory JSON = new JsonFactory();

    final OutputStream out;
    long count;

    EventExport(OutputStream out) {
        this.out = out;
    }

    static EventExport of(String format, OutputStream out) {
        return format.equals("csv") ? new Csv(out) : new Json(out);
    }

    abstract void start() throws IOException;

    abstract void event(StoredEntry entry, Optional<ParsedRecord> record) throws IOException;

    abstract void finish() throws IOException;

    static final class Json extends EventExport {
        Json(OutputStream out) {
            super(out);
        }

        @Override
        void start() throws IOException {
            out.write("{\"Records\":[".getBytes(StandardCharsets.US_ASCII));
        }

        @Override
        void event(StoredEntry entry, Optional<ParsedRecord> record) throws IOException {
            if (count++ > 0) {
                out.write(',');
            }
            out.write(entry.body());
        }

        @Override
        void finish() throws IOException {
            out.write("]}\n".getBytes(StandardCharsets.US_ASCII));
        }
    }

    static final class Csv extends EventExport {
        private final StringBuilder line = new StringBuilder(512);
        private int cells;

        Csv(OutputStream out) {
            super(out);
        }

        @Override
        void start() throws IOException {
            for (String column : CSV_COLUMNS) {
                cell(column);
            }
            endLine();
        }

        @Override
        void event(StoredEntry entry, Optional<ParsedRecord> parsed) throws IOException {
            count++;
            cell(parsed.flatMap(ParsedRecord::eventId).orElse(""));
            cell(EventTimes.format(entry.eventTime()));
            if (parsed.isEmpty()) {
                for (int i = 2; i < CSV_COLUMNS.size(); i++) {
                    cell("");
                }
                endLine();
                return;
            }
            ParsedRecord record = parsed.get();
            cell(record.userIdentity().lookupUsername().orElse(""));
            cell(record.eventName().orElse(""));
            cell(record.eventSource().orElse(""));
            cell(record.resources().stream().map(Resource::type).flatMap(Optional::stream)
                    .collect(Collectors.joining(", ")));
            cell(record.resources().stream().map(Resource::name).flatMap(Optional::stream)
                    .collect(Collectors.joining(", ")));
            cell(record.userIdentity().accessKeyId().orElse(""));
            cell(record.awsRegion());
            cell(record.errorCode().orElse(""));
            cell(sourceIpAddress(entry.body()));
            cell(record.readOnly().map(String::valueOf).orElse(""));
            endLine();
        }

        @Override
        void finish() {
        }

        private void cell(String value) {
            if (cells++ > 0) {
                line.append(',');
            }
            if (!value.isEmpty() && "=+-@\t\r".indexOf(value.charAt(0)) >= 0) {
                // A spreadsheet would run a cell that starts so as a formula: event fields are others' text.
                value = "'" + value;
            }
            boolean quote = value.indexOf(',') >= 0 || value.indexOf('"') >= 0 || value.indexOf('\n') >= 0
                    || value.indexOf('\r') >= 0;
            if (!quote) {
                line.append(value);
                return;
            }
            line.append('"');
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                line.append(c);
                if (c == '"') {
                    line.append('"');
                }
            }
            line.append('"');
        }

        private void endLine() throws IOException {
            line.append("\r\n");
            out.write(line.toString().getBytes(StandardCharsets.UTF_8));
            line.setLength(0);
            cells = 0;
        }
    }

    /** The record's top-level {@code sourceIPAddress}, read without building the whole record. */
    static String sourceIpAddress(byte[] record) {
        try (JsonParser parser = JSON.createParser(record)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return "";
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if (name.equals("sourceIPAddress")) {
                    return value == JsonToken.VALUE_STRING ? parser.getText() : "";
                }
                parser.skipChildren();
            }
            return "";
        } catch (IOException e) {
            return "";
        }
    }
}
