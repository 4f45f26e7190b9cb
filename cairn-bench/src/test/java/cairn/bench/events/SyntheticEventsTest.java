package cairn.bench.events;

import cairn.model.record.ParsedRecord;
import cairn.model.record.RecordReader;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

final class SyntheticEventsTest {
    private static final long TIME = 1_704_067_200L; // 2024-01-01T00:00:00Z

    @Test
    void batch_isReadByTheServersReader_withTheFieldsLookupsUse() {
        SyntheticEvents.Batch batch = new SyntheticEvents(1).batch(100, TIME, 0);

        List<ParsedRecord> records = RecordReader.readBatch(batch.body(), 100);

        assertThat(records).hasSize(100);
        assertThat(records).allSatisfy(record -> {
            assertThat(record.eventTime()).isEqualTo(TIME);
            assertThat(record.awsRegion()).isEqualTo(SyntheticEvents.REGION);
            assertThat(record.eventName()).isPresent();
            assertThat(record.userIdentity().lookupUsername()).isPresent();
            assertThat(record.userIdentity().accessKeyId()).isPresent();
            assertThat(record.resources()).hasSize(1);
        });
        assertThat(records.stream().map(record -> record.eventName().orElseThrow()).distinct().count())
                .isGreaterThan(10);
        assertThat(batch.body().length / 100).isBetween(1000, 1500);
    }

    @Test
    void restamp_rewritesTimesAndEventIdsInPlace_keepingTheBodyValid() {
        SyntheticEvents.Batch batch = new SyntheticEvents(2).batch(3, TIME, 0);
        int length = batch.body().length;

        batch.restamp(TIME + 3600, 0xabcL);

        List<ParsedRecord> records = RecordReader.readBatch(batch.body(), 100);
        assertThat(batch.body().length).isEqualTo(length);
        assertThat(records).extracting(ParsedRecord::eventTime).containsOnly(TIME + 3600);
        assertThat(records).extracting(record -> record.eventId().orElseThrow().substring(24))
                .containsExactly("000000000abc", "000000000abd", "000000000abe");
    }

    @Test
    void csv_holdsOneRowPerEvent_andRestampsBothColumnsAndRecord() {
        SyntheticEvents.Batch events = new SyntheticEvents(3).batch(2, TIME, 0);
        SyntheticEvents.Batch csv = SyntheticEvents.Batch.csv(events.events());

        csv.restamp(TIME + 60, 5);

        String text = new String(csv.body(), StandardCharsets.US_ASCII);
        assertThat(text.split("\n")).hasSize(2);
        assertThat(text).contains("2024-01-01T00:01:00Z")
                .contains("000000000005,").contains("000000000006\"\"");
    }
}
