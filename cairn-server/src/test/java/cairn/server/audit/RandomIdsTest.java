package cairn.server.audit;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Request and audit event IDs are version-4 UUIDs in the usual text form, and do not repeat. */
final class RandomIdsTest {
    @Test
    void next_givesDistinctVersion4Uuids() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            String id = RandomIds.next();
            UUID uuid = UUID.fromString(id);
            assertThat(uuid.version()).isEqualTo(4);
            assertThat(uuid.variant()).isEqualTo(2);
            assertThat(id).hasSize(36).isEqualTo(uuid.toString());
            seen.add(id);
        }
        assertThat(seen).hasSize(100_000);
    }
}
