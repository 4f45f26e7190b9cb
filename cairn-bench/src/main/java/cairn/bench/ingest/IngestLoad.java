package cairn.bench.ingest;

import cairn.bench.events.SyntheticEvents;
import cairn.bench.http.LoopbackHttp;
import cairn.bench.http.SigV4Signer;
import cairn.bench.measure.Medians;
import cairn.bench.postgres.PostgresCluster;
import cairn.bench.server.CairnProcess;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Durable ingest over HTTP, Cairn against PostgreSQL 15 in the same run. Each measurement starts a fresh Cairn in a
 * child JVM on an empty data folder (or empties the PostgreSQL table), runs closed-loop clients that send batches of
 * ~1.2 KB CloudTrail-shaped events (Cairn: {@code POST /records}, acknowledged after fsync; PostgreSQL: one
 * {@code COPY} of the batch per transaction, {@code synchronous_commit=on}, into a jsonb table with 7 indexes on the
 * lookup fields) for a warm-up and a measured period, and reports events/s and the p50/p99 acknowledgement latency
 * per batch. Every configuration runs {@code --rounds} times; the summary gives medians. Requests are signed with
 * SigV4 by a writer of the events' account (the body's SHA-256 in the signature, as over plain HTTP;
 * {@code --unsigned-payload} signs as the SDKs do over TLS). {@code --baseline-classpath JAR} also runs an earlier
 * build's server (such as the core issue's {@code cairn-bench.jar}) in every round and reports the ratio.
 *
 * <p>Run (builds the jar, then about 6 minutes with the defaults):
 * <pre>
 * mvn -B -q -DskipTests -pl cairn-bench -am package
 * $JAVA_HOME/bin/java -Xmx2g -cp cairn-bench/target/cairn-bench.jar cairn.bench.ingest.IngestLoad \
 *     --clients 1,4,8 --seconds 15 --warm-up 5 --rounds 3 [--no-postgres] [--server-heap 1g] [--max-events 20000000]
 *     [--baseline-classpath OLD.jar] [--unsigned-payload]
 * </pre>
 * Needs PostgreSQL 15 from the OS package ({@code /usr/lib/postgresql/15/bin}); its cluster lives in
 * {@code /tmp/cairn-bench-pg} on port 55432 and is stopped at the end. Everything stays on loopback.
 */
public final class IngestLoad {
    private static final String TABLE = "ingest_events";

    private IngestLoad() {
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        System.out.printf("machine: %d cores, JDK %s, batch %d events, %.0f s warm-up + %.0f s measured, %d round(s)%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), options.batchSize,
                options.warmUpSeconds, options.measureSeconds, options.rounds);
        Medians medians = new Medians();
        PostgresCluster postgres = options.postgres
                ? PostgresCluster.start(Path.of("/tmp/cairn-bench-pg"), 55432) : null;
        try {
            for (int round = 1; round <= options.rounds; round++) {
                for (int clients : options.clients) {
                    LoadDriver.Result result = runCairn(options, System.getProperty("java.class.path"), clients,
                            round);
                    System.out.println("round " + round + " cairn      " + result);
                    record(medians, "cairn", result);
                    if (options.baselineClassPath != null) {
                        LoadDriver.Result baseline = runCairn(options, options.baselineClassPath, clients, round);
                        System.out.println("round " + round + " baseline   " + baseline);
                        record(medians, "baseline", baseline);
                    }
                }
                if (postgres != null) {
                    for (int clients : options.clients) {
                        LoadDriver.Result result = runPostgres(options, postgres, clients, round);
                        System.out.println("round " + round + " postgresql " + result);
                        record(medians, "postgresql", result);
                    }
                }
            }
        } finally {
            if (postgres != null) {
                postgres.execute("DROP TABLE IF EXISTS " + TABLE);
                postgres.close();
            }
        }
        System.out.println();
        System.out.println("medians over " + options.rounds + " round(s):");
        System.out.print(medians.report());
        if (options.baselineClassPath != null) {
            for (int clients : options.clients) {
                System.out.printf("ratio cairn/baseline at %d client(s): %.3f%n", clients,
                        medians.median("cairn " + clients + " clients events/s")
                                / medians.median("baseline " + clients + " clients events/s"));
            }
        }
        if (postgres != null) {
            for (int clients : options.clients) {
                System.out.printf("ratio cairn/postgresql at %d client(s): %.1fx%n", clients,
                        medians.median("cairn " + clients + " clients events/s")
                                / medians.median("postgresql " + clients + " clients events/s"));
            }
        }
    }

    private static void record(Medians medians, String system, LoadDriver.Result result) {
        String prefix = system + " " + result.clients() + " clients ";
        medians.add(prefix + "events/s", result.eventsPerSecond());
        medians.add(prefix + "p50 ms", result.p50Millis());
        medians.add(prefix + "p99 ms", result.p99Millis());
    }

    private static LoadDriver.Result runCairn(Options options, String classPath, int clients, int round)
            throws Exception {
        Path data = Files.createTempDirectory("cairn-bench-ingest");
        try (CairnProcess cairn = CairnProcess.start(classPath, "cairn.server.Main", data, options.serverHeap,
                options.serverJvmOptions)) {
            List<List<SyntheticEvents.Batch>> pools = LoadDriver.pools(clients, options.batchesPerClient,
                    options.batchSize, round, false);
            return LoadDriver.run(pools, client -> new CairnSender(cairn.port(), cairn.writer(),
                            options.unsignedPayload),
                    options.warmUpSeconds,
                    options.measureSeconds, options.maxEvents);
        } finally {
            deleteTree(data);
        }
    }

    private static LoadDriver.Result runPostgres(Options options, PostgresCluster postgres, int clients, int round)
            throws Exception {
        postgres.createEventsTable(TABLE, true);
        postgres.execute("CHECKPOINT");
        List<List<SyntheticEvents.Batch>> pools = LoadDriver.pools(clients, options.batchesPerClient,
                options.batchSize, round, true);
        return LoadDriver.run(pools, client -> new PostgresSender(postgres), options.warmUpSeconds,
                options.measureSeconds, options.maxEvents);
    }

    /** POST /records over a kept-alive connection; a batch counts once the server answered 200 (after fsync). */
    private static final class CairnSender implements LoadDriver.Sender {
        private final LoopbackHttp http;

        CairnSender(int port, SigV4Signer.Credentials writer, boolean unsignedPayload) {
            this.http = new LoopbackHttp("127.0.0.1", port, writer, unsignedPayload);
        }

        @Override
        public void send(SyntheticEvents.Batch batch) throws IOException {
            LoopbackHttp.Response response = http.post("/records", LoopbackHttp.RECORDS_HEADERS, batch.body());
            if (response.status() != 200) {
                throw new IOException("ingest failed: " + response.status() + " " + response.text());
            }
        }

        @Override
        public void close() {
            http.close();
        }
    }

    /** One COPY of the batch per transaction (autocommit), which returns once the commit is flushed to the WAL. */
    private static final class PostgresSender implements LoadDriver.Sender {
        private static final String COPY = "COPY " + TABLE + " (" + SyntheticEvents.Batch.CSV_COLUMNS
                + ") FROM STDIN WITH (FORMAT csv)";
        private final Connection connection;
        private final CopyManager copy;

        PostgresSender(PostgresCluster postgres) {
            try {
                connection = postgres.connect();
                connection.setAutoCommit(true);
                copy = connection.unwrap(PGConnection.class).getCopyAPI();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void send(SyntheticEvents.Batch batch) throws Exception {
            long rows = copy.copyIn(COPY, new ByteArrayInputStream(batch.body()));
            if (rows != batch.size()) {
                throw new IOException("COPY stored " + rows + " rows, not " + batch.size());
            }
        }

        @Override
        public void close() throws SQLException {
            connection.close();
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.delete(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    private static final class Options {
        int[] clients = {1, 4, 8};
        double warmUpSeconds = 5;
        double measureSeconds = 15;
        int rounds = 3;
        int batchSize = 100;
        int batchesPerClient = 32;
        long maxEvents = 20_000_000;
        boolean postgres = true;
        String serverHeap = "1g";
        List<String> serverJvmOptions = new ArrayList<>();
        String baselineClassPath;
        boolean unsignedPayload;

        static Options parse(String[] args) {
            Options options = new Options();
            for (int i = 0; i < args.length; i++) {
                String value = i + 1 < args.length ? args[i + 1] : "";
                switch (args[i]) {
                    case "--clients" -> options.clients = Arrays.stream(value.split(",")).mapToInt(Integer::parseInt)
                            .toArray();
                    case "--seconds" -> options.measureSeconds = Double.parseDouble(value);
                    case "--warm-up" -> options.warmUpSeconds = Double.parseDouble(value);
                    case "--rounds" -> options.rounds = Integer.parseInt(value);
                    case "--batch" -> options.batchSize = Integer.parseInt(value);
                    case "--max-events" -> options.maxEvents = Long.parseLong(value);
                    case "--server-heap" -> options.serverHeap = value;
                    case "--server-jvm-option" -> options.serverJvmOptions.add(value);
                    case "--baseline-classpath" -> options.baselineClassPath = value;
                    case "--no-postgres" -> {
                        options.postgres = false;
                        continue;
                    }
                    case "--unsigned-payload" -> {
                        options.unsignedPayload = true;
                        continue;
                    }
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
                i++;
            }
            return options;
        }
    }
}
