package cairn.bench.postgres;

import cairn.bench.events.SyntheticEvents;
import cairn.bench.lookup.HistoryStore;
import cairn.bench.measure.ClosedLoop;
import cairn.bench.measure.Medians;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The PostgreSQL baseline for LookupEvents: the newest 50 events with one attribute, {@code SELECT ... WHERE column
 * = ? ORDER BY event_time DESC LIMIT 50} over an index on {@code (column, event_time)}, through JDBC on loopback, by
 * closed-loop clients; lookups/s and p50/p99 per call. The attributes and their mix are those of
 * {@code HttpLookupLoad} (EventName, Username, AccessKeyId, EventSource, ReadOnly, EventId), values sampled from the
 * table. The table ({@code lookup_events}, same generator and the same 30-day time spread as {@link HistoryStore})
 * is loaded once and kept in the cluster ({@code /tmp/cairn-bench-pg}); the bulk load is not a measured figure (it
 * runs with {@code synchronous_commit=off} and builds the indexes afterwards).
 *
 * <p>Run (the first run loads the table: several minutes for 10 million rows):
 * <pre>
 * $JAVA_HOME/bin/java -Xmx1g -cp cairn-bench/target/cairn-bench.jar cairn.bench.postgres.PostgresLookup \
 *     --events 2000000 --clients 1,4,8 --seconds 10 --warm-up 3 --rounds 3
 * </pre>
 */
public final class PostgresLookup {
    private static final String TABLE = "lookup_events";
    private static final String[] ATTRIBUTES = {"EventName", "Username", "AccessKeyId", "EventSource", "ReadOnly",
        "EventId"};
    private static final String[] COLUMNS = {"event_name", "username", "access_key_id", "event_source", "read_only",
        "event_id"};

    private PostgresLookup() {
    }

    public static void main(String[] args) throws Exception {
        long events = 10_000_000L;
        int[] clientCounts = {1, 4, 8};
        double seconds = 15;
        double warmUp = 5;
        int rounds = 3;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--events" -> events = Long.parseLong(args[i + 1]);
                case "--clients" -> clientCounts = Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt)
                        .toArray();
                case "--seconds" -> seconds = Double.parseDouble(args[i + 1]);
                case "--warm-up" -> warmUp = Double.parseDouble(args[i + 1]);
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        try (PostgresCluster postgres = PostgresCluster.start(Path.of("/tmp/cairn-bench-pg"), 55432)) {
            ensureTable(postgres, events);
            List<Request> requests = sample(postgres, 3000, 11);
            Medians medians = new Medians();
            for (int round = 1; round <= rounds; round++) {
                for (int clients : clientCounts) {
                    Result result = run(postgres, requests, clients, warmUp, seconds);
                    System.out.printf("round %d: %s%n", round, result);
                    medians.add(clients + " clients lookups/s", result.lookups() / result.seconds());
                    medians.add(clients + " clients p50 ms", result.p50Millis());
                    medians.add(clients + " clients p99 ms", result.p99Millis());
                }
            }
            System.out.println();
            System.out.println("PostgreSQL newest-50 lookups over " + events + " rows, medians over " + rounds
                    + " round(s):");
            System.out.print(medians.report());
        }
    }

    private record Request(int attribute, String value) {
    }

    record Result(int clients, long lookups, double seconds, double p50Millis, double p99Millis) {
        @Override
        public String toString() {
            return String.format("%d client(s): %,.0f lookups/s (%,d in %.1f s), latency p50 %.2f ms, p99 %.2f ms",
                    clients, lookups / seconds, lookups, seconds, p50Millis, p99Millis);
        }
    }

    static void ensureTable(PostgresCluster postgres, long events) throws Exception {
        postgres.execute("CREATE TABLE IF NOT EXISTS bench_tables (name text PRIMARY KEY, rows bigint)");
        try (Connection connection = postgres.connect(); Statement statement = connection.createStatement();
             ResultSet found = statement.executeQuery("SELECT rows FROM bench_tables WHERE name = '" + TABLE + "'")) {
            if (found.next() && found.getLong(1) == events) {
                return;
            }
        }
        System.out.printf("loading %,d rows into %s (once)...%n", events, TABLE);
        long started = System.nanoTime();
        postgres.execute("DELETE FROM bench_tables WHERE name = '" + TABLE + "'");
        postgres.createEventsTable(TABLE, false);
        long end = System.currentTimeMillis() / 1000;
        long start = end - HistoryStore.SPAN.toSeconds();
        AtomicLong next = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        int batch = 5000;
        for (int t = 0; t < 2; t++) {
            SyntheticEvents generator = new SyntheticEvents(31L * t + 7);
            Thread thread = new Thread(() -> {
                try (Connection connection = postgres.connect(); Statement statement = connection.createStatement()) {
                    statement.execute("SET synchronous_commit = off");
                    CopyManager copy = connection.unwrap(PGConnection.class).getCopyAPI();
                    long first;
                    while ((first = next.getAndAdd(batch)) < events && failure.get() == null) {
                        int size = (int) Math.min(batch, events - first);
                        List<SyntheticEvents.Event> rows = new ArrayList<>(size);
                        for (int i = 0; i < size; i++) {
                            long serial = first + i;
                            rows.add(generator.next(start + serial * HistoryStore.SPAN.toSeconds() / events, serial));
                        }
                        copy.copyIn("COPY " + TABLE + " (" + SyntheticEvents.Batch.CSV_COLUMNS
                                + ") FROM STDIN WITH (FORMAT csv)", new ByteArrayInputStream(
                                SyntheticEvents.Batch.csv(rows).body()));
                        if ((first / batch) % 200 == 0) {
                            System.out.printf("%,d rows, %.0f s%n", first + size, (System.nanoTime() - started) / 1e9);
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("loading failed", failure.get());
        }
        System.out.printf("rows loaded in %.0f s; indexing...%n", (System.nanoTime() - started) / 1e9);
        postgres.execute("SET maintenance_work_mem = '1GB'");
        try (Connection connection = postgres.connect(); Statement statement = connection.createStatement()) {
            statement.execute("SET maintenance_work_mem = '1GB'");
            postgres.createIndexes(TABLE);
            statement.execute("VACUUM ANALYZE " + TABLE);
            statement.execute("INSERT INTO bench_tables VALUES ('" + TABLE + "', " + events + ")");
        }
        System.out.printf("table ready in %.0f s%n", (System.nanoTime() - started) / 1e9);
    }

    private static List<Request> sample(PostgresCluster postgres, int count, long seed) throws SQLException {
        List<List<String>> values = new ArrayList<>();
        try (Connection connection = postgres.connect(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT " + String.join(", ", COLUMNS) + " FROM " + TABLE
                     + " TABLESAMPLE SYSTEM (0.2) LIMIT " + count)) {
            for (int a = 0; a < COLUMNS.length; a++) {
                values.add(new ArrayList<>());
            }
            while (rows.next()) {
                for (int a = 0; a < COLUMNS.length; a++) {
                    String value = rows.getString(a + 1);
                    if (value != null) {
                        values.get(a).add(COLUMNS[a].equals("read_only") ? String.valueOf(value.equals("t")) : value);
                    }
                }
            }
        }
        SplittableRandom random = new SplittableRandom(seed);
        List<Request> requests = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int a = i % ATTRIBUTES.length;
            List<String> pool = values.get(a);
            requests.add(new Request(a, pool.get(random.nextInt(pool.size()))));
        }
        return requests;
    }

    static Result run(PostgresCluster postgres, List<Request> requests, int clients, double warmUpSeconds,
                      double measureSeconds) throws InterruptedException {
        ClosedLoop.Outcome outcome = ClosedLoop.run(clients, client -> {
            Connection connection = postgres.connect();
            PreparedStatement[] statements = new PreparedStatement[COLUMNS.length];
            for (int a = 0; a < COLUMNS.length; a++) {
                statements[a] = connection.prepareStatement("SELECT event_id, event_time, event_name, "
                        + "event_source, username, access_key_id, read_only, record::text FROM " + TABLE
                        + " WHERE " + COLUMNS[a] + (COLUMNS[a].equals("read_only") ? " = ?::boolean" : " = ?")
                        + " ORDER BY event_time DESC LIMIT 50");
            }
            return ClosedLoop.Client.of(call -> {
                Request request = requests.get((client * 997 + call) % requests.size());
                PreparedStatement statement = statements[request.attribute()];
                statement.setString(1, request.value());
                int rows = 0;
                try (ResultSet result = statement.executeQuery()) {
                    while (result.next()) {
                        rows += result.getString(8).length() > 0 ? 1 : 0;
                    }
                }
                if (rows == 0) {
                    throw new IllegalStateException("no rows for " + request);
                }
                return 1;
            }, connection);
        }, warmUpSeconds, measureSeconds, Long.MAX_VALUE);
        return new Result(clients, outcome.units(), outcome.seconds(), outcome.p50Millis(), outcome.p99Millis());
    }
}
