package cairn.model.record;

import java.util.Optional;

import static java.util.Objects.requireNonNull;

/** One item of a record's {@code resources}: its type and its ARN (or ARN prefix), either of which may be absent. */
public record Resource(Optional<String> type, Optional<String> name) {
    public Resource {
        requireNonNull(type, "type is null");
        requireNonNull(name, "name is null");
    }
}
