package cairn.delivery.trail;

import cairn.delivery.trail.TrailState.Pending;
import cairn.delivery.trail.TrailState.Window;
import cairn.model.trail.EventSelectors;
import cairn.model.trail.Trail;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.NoSuchElementException;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class TrailStateTest {
    private static final Instant DELIVERED = Instant.parse("2024-05-01T12:00:01Z");
    private static final Instant AT = Instant.parse("2024-05-01T12:00:01.250Z");

    @TempDir
    Path folder;

    private Path file() {
        return folder.resolve("111122223333").resolve("eu-west-1").resolve("audit.json");
    }

    private TrailState load() {
        return TrailState.load(file());
    }

    private static Trail trail() {
        try {
            EventSelectors selectors = EventSelectors.parse(null, new ObjectMapper().readTree("""
                    [{"Name":"writes","FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]},
                                                       {"Field":"readOnly","Equals":["false"]}]}]"""));
            return new Trail("111122223333", "audit", "eu-west-1", "audit-bucket", Optional.of("logs"), true, true,
                    false, Trail.Logging.NEVER.start(Instant.parse("2024-05-01T11:00:00Z")), Optional.of(selectors));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static Window open(long start) {
        return new Window(start, OptionalLong.empty());
    }

    private static Window closed(long start, long end) {
        return new Window(start, OptionalLong.of(end));
    }

    /** Everything a reload must give back. */
    private static void assertSameState(TrailState reloaded, TrailState state) {
        assertThat(reloaded.cursor()).isEqualTo(state.cursor());
        assertThat(reloaded.windows()).isEqualTo(state.windows());
        assertThat(reloaded.pending()).isEqualTo(state.pending());
        assertThat(reloaded.status()).isEqualTo(state.status());
        assertThat(reloaded.logging()).isEqualTo(state.logging());
    }

    @Test
    void load_noFile_isANewStateAndWritesNothing() {
        TrailState state = load();
        assertThat(state.cursor()).isZero();
        assertThat(state.windows()).isEmpty();
        assertThat(state.pending()).isEmpty();
        assertThat(state.logging()).isFalse();
        assertThat(state.status()).isEqualTo(new TrailState.Status(Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()));
        assertThat(Files.exists(file())).isFalse();
    }

    @Test
    void open_whileClosed_startsAWindowAndSavesIt() {
        TrailState state = load();
        assertThat(state.open(5)).isTrue();
        assertThat(state.windows()).containsExactly(open(5));
        assertThat(state.logging()).isTrue();
        assertSameState(load(), state);
    }

    @Test
    void open_whileOpen_isANoOpReturningFalse() {
        TrailState state = load();
        state.open(5);
        assertThat(state.open(9)).isFalse();
        assertThat(state.windows()).containsExactly(open(5));
        assertSameState(load(), state);
    }

    @Test
    void close_whileOpen_endsTheWindow() {
        TrailState state = load();
        state.open(5);
        assertThat(state.close(8)).isTrue();
        assertThat(state.windows()).containsExactly(closed(5, 8));
        assertThat(state.logging()).isFalse();
        assertSameState(load(), state);
    }

    @Test
    void close_whileClosed_isANoOpReturningFalse() {
        TrailState state = load();
        assertThat(state.close(3)).isFalse();
        state.open(5);
        state.close(8);
        assertThat(state.close(12)).isFalse();
        assertThat(state.windows()).containsExactly(closed(5, 8));
    }

    @Test
    void close_atTheStartOffset_removesTheEmptyWindow() {
        TrailState state = load();
        state.open(3);
        state.close(7);
        state.open(10);
        assertThat(state.close(10)).isTrue();
        assertThat(state.windows()).containsExactly(closed(3, 7));
        assertThat(state.logging()).isFalse();
        assertSameState(load(), state);
    }

    @Test
    void open_belowTheCursor_startsAtTheCursor() {
        TrailState state = load();
        state.skipTo(20);
        state.open(12);
        assertThat(state.windows()).containsExactly(open(20));
    }

    @Test
    void openAndClose_severalTimes_keepEveryWindowInOrder() {
        TrailState state = load();
        state.open(0);
        state.close(4);
        state.open(6);
        state.close(9);
        state.open(15);
        assertThat(state.windows()).containsExactly(closed(0, 4), closed(6, 9), open(15));
        assertSameState(load(), state);
    }

    @Test
    void save_fileFormat_isPlainJson() throws IOException {
        TrailState state = load();
        state.open(3);
        state.close(7);
        assertThat(Files.readString(file())).isEqualTo("{\"cursor\":0,\"windows\":[{\"start\":3,\"end\":7}]}");
        try (Stream<Path> files = Files.list(file().getParent())) {
            assertThat(files.map(path -> path.getFileName().toString())).containsExactly("audit.json");
        }
    }

    @Test
    void begin_recordsThePendingBatchDurably() {
        TrailState state = load();
        state.open(0);
        Pending batch = new Pending(0, 9, DELIVERED, 6, trail());
        state.begin(batch);
        assertThat(state.pending()).hasValue(batch);
        assertThat(state.cursor()).isZero();
        TrailState reloaded = load();
        assertSameState(reloaded, state);
        assertThat(reloaded.pending().orElseThrow().trail()).isEqualTo(trail());
    }

    @Test
    void begin_twice_throws() {
        TrailState state = load();
        Pending first = new Pending(0, 9, DELIVERED, 6, trail());
        state.begin(first);
        assertThatThrownBy(() -> state.begin(new Pending(10, 19, DELIVERED, 6, trail())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("a batch is pending already: " + first);
        assertThat(state.pending()).hasValue(first);
    }

    @Test
    void delivered_movesTheCursorPastTheBatchAndClearsIt() {
        TrailState state = load();
        state.open(0);
        state.begin(new Pending(0, 9, DELIVERED, 6, trail()));
        state.delivered(AT, List.of(), false);
        assertThat(state.cursor()).isEqualTo(10);
        assertThat(state.pending()).isEmpty();
        assertThat(state.status()).isEqualTo(new TrailState.Status(Optional.of(DELIVERED), Optional.of(AT),
                Optional.of(AT), Optional.empty(), Optional.empty(), Optional.empty()));
        assertThat(state.windows()).containsExactly(open(0));
        assertSameState(load(), state);
    }

    @Test
    void delivered_dropsWindowsEndingAtOrBelowTheCursor() {
        TrailState state = load();
        state.open(0);
        state.close(5);
        state.open(7);
        state.close(10);
        state.open(10);
        state.close(11);
        state.open(12);
        state.begin(new Pending(0, 9, DELIVERED, 6, trail()));
        state.delivered(AT, List.of(), false);
        assertThat(state.cursor()).isEqualTo(10);
        assertThat(state.windows()).containsExactly(closed(10, 11), open(12));
        assertSameState(load(), state);
    }

    @Test
    void delivered_withoutAPendingBatch_throws() {
        TrailState state = load();
        assertThatThrownBy(() -> state.delivered(AT, List.of(), false)).isInstanceOf(NoSuchElementException.class);
        assertThat(state.cursor()).isZero();
    }

    @Test
    void failed_keepsTheBatchPendingAndRecordsTheError() {
        TrailState state = load();
        state.open(0);
        Pending batch = new Pending(0, 9, DELIVERED, 6, trail());
        state.begin(batch);
        state.failed(AT, "NoSuchBucket");
        assertThat(state.pending()).hasValue(batch);
        assertThat(state.cursor()).isZero();
        assertThat(state.status()).isEqualTo(new TrailState.Status(Optional.empty(), Optional.of(AT),
                Optional.empty(), Optional.of("NoSuchBucket"), Optional.empty(), Optional.empty()));
        assertSameState(load(), state);
    }

    @Test
    void delivered_afterAFailure_clearsTheErrorAndKeepsTheFirstDeliveryTime() {
        TrailState state = load();
        state.open(0);
        state.begin(new Pending(0, 9, DELIVERED, 6, trail()));
        state.failed(AT, "NoSuchBucket");
        Instant retried = AT.plusSeconds(30);
        state.delivered(retried, List.of(), false);
        assertThat(state.status()).isEqualTo(new TrailState.Status(Optional.of(DELIVERED), Optional.of(retried),
                Optional.of(retried), Optional.empty(), Optional.empty(), Optional.empty()));
        assertThat(state.cursor()).isEqualTo(10);
        assertSameState(load(), state);
    }

    @Test
    void failed_afterASuccess_keepsTheLatestSuccess() {
        TrailState state = load();
        state.open(0);
        state.begin(new Pending(0, 9, DELIVERED, 6, trail()));
        state.delivered(AT, List.of(), false);
        state.begin(new Pending(10, 19, DELIVERED.plusSeconds(60), 6, trail()));
        Instant failedAt = AT.plusSeconds(60);
        state.failed(failedAt, "NoSuchBucket");
        assertThat(state.status()).isEqualTo(new TrailState.Status(Optional.of(DELIVERED), Optional.of(failedAt),
                Optional.of(AT), Optional.of("NoSuchBucket"), Optional.empty(), Optional.empty()));
        assertSameState(load(), state);
    }

    @Test
    void skipTo_movesTheCursorForwardOnly() {
        TrailState state = load();
        state.open(0);
        state.close(4);
        state.open(6);
        state.skipTo(5);
        assertThat(state.cursor()).isEqualTo(5);
        assertThat(state.windows()).containsExactly(open(6));
        state.skipTo(3);
        assertThat(state.cursor()).isEqualTo(5);
        assertSameState(load(), state);
    }

    @Test
    void skipTo_whileABatchIsPending_throws() {
        TrailState state = load();
        Pending batch = new Pending(0, 9, DELIVERED, 6, trail());
        state.begin(batch);
        assertThatThrownBy(() -> state.skipTo(20))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("a batch is pending: " + batch);
        assertThat(state.cursor()).isZero();
    }

    @Test
    void load_everyPart_survivesAReload() {
        TrailState state = load();
        state.open(0);
        state.close(4);
        state.open(6);
        state.begin(new Pending(0, 3, DELIVERED, 6, trail()));
        state.delivered(AT, List.of(), false);
        state.begin(new Pending(6, 11, DELIVERED.plusSeconds(300), 9, trail()));
        state.failed(AT.plusSeconds(301), "InternalError: disk full");
        TrailState reloaded = load();
        assertThat(reloaded.cursor()).isEqualTo(4);
        assertThat(reloaded.windows()).containsExactly(open(6));
        assertThat(reloaded.pending()).hasValue(new Pending(6, 11, DELIVERED.plusSeconds(300), 9, trail()));
        assertThat(reloaded.status()).isEqualTo(new TrailState.Status(Optional.of(DELIVERED),
                Optional.of(AT.plusSeconds(301)), Optional.of(AT), Optional.of("InternalError: disk full"), Optional.empty(), Optional.empty()));
        // The reloaded state carries on where the first left off.
        reloaded.delivered(AT.plusSeconds(400), List.of(), false);
        assertThat(load().cursor()).isEqualTo(12);
    }

    @Test
    void delete_removesTheFile() {
        TrailState state = load();
        state.open(0);
        assertThat(Files.exists(file())).isTrue();
        state.delete();
        assertThat(Files.exists(file())).isFalse();
        assertThat(load().windows()).isEmpty();
        state.delete();
    }
}
