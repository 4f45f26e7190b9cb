package cairn.store;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class RecoveryReportTest {
    @Test
    void summary_cleanOpen_saysSegmentsRecordsAndTime() {
        RecoveryReport report = new RecoveryReport(3, 1200, 1500, 0, 0, 0, Duration.ofMillis(42), List.of());

        assertThat(report.summary()).isEqualTo("opened 3 segment(s), 1200 record(s) in 42 ms");
    }

    @Test
    void summary_tornTailAndRebuiltIndexes_saysWhatWasCutAndRebuilt() {
        RecoveryReport report = new RecoveryReport(2, 10, 10, 77, 3, 1, Duration.ofMillis(5), List.of("note"));

        assertThat(report.summary()).isEqualTo("opened 2 segment(s), 10 record(s) in 5 ms; cut a torn tail of 77"
                + " byte(s), 3 unacknowledged frame(s); rebuilt 1 segment index(es)");
    }

    @Test
    void new_notes_areCopied() {
        List<String> notes = new ArrayList<>(List.of("first"));
        RecoveryReport report = new RecoveryReport(1, 0, 0, 0, 0, 0, Duration.ZERO, notes);

        notes.add("second");

        assertThat(report.notes()).containsExactly("first");
    }

    @Test
    void new_nulls_areRefused() {
        assertThatThrownBy(() -> new RecoveryReport(1, 0, 0, 0, 0, 0, null, List.of()))
                .isExactlyInstanceOf(NullPointerException.class).hasMessage("took is null");
        assertThatThrownBy(() -> new RecoveryReport(1, 0, 0, 0, 0, 0, Duration.ZERO, null))
                .isExactlyInstanceOf(NullPointerException.class).hasMessage("notes is null");
    }
}
