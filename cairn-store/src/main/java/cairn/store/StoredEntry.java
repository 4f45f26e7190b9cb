package cairn.store;

import static java.util.Objects.requireNonNull;

/** An entry read back from the log, with the offset the log gave it. */
public record StoredEntry(long offset, long eventTime, byte[] body) {
    public StoredEntry {
        requireNonNull(body, "body is null");
    }

    public Position position() {
        return new Position(eventTime, offset);
    }
}
