package cairn.store;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Builds the entries and queries the store tests use, with text for bodies and terms so failures read well. */
final class Entries {
    /** How long a test waits for the store's writer before it gives up; never reached when the store works. */
    static final Duration PATIENCE = Duration.ofSeconds(30);

    private Entries() {
    }

    static Entry entry(long eventTime, String body, String... terms) {
        return new Entry(eventTime, Arrays.stream(terms).map(Entries::bytes).toList(), bytes(body));
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    static Query query(String... terms) {
        return new Query(Arrays.stream(terms).map(Entries::bytes).toList(), 0, Long.MAX_VALUE, Optional.empty(),
                Integer.MAX_VALUE);
    }

    static Query query(List<String> terms, long minTime, long maxTime, Optional<Position> after, int limit) {
        return new Query(terms.stream().map(Entries::bytes).toList(), minTime, maxTime, after, limit);
    }

    /** The bodies of a page, in the order the store returned them. */
    static List<String> bodies(QueryResult result) {
        return result.entries().stream().map(entry -> text(entry.body())).toList();
    }

    static List<Position> positions(QueryResult result) {
        return result.entries().stream().map(StoredEntry::position).toList();
    }

    /** Appends one batch and waits until it is acknowledged; returns the offset of its first entry. */
    static long append(EventStore store, Entry... batch) {
        return await(store.append(List.of(batch)));
    }

    static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("the future failed", e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError("the future did not complete", e);
        }
    }
}
