package cairn.bench.postgres;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL 15 cluster of the OS package, in a folder of its own (created with {@code initdb} when missing,
 * reused otherwise), on a loopback port with trust authentication. When this JVM runs as root the server runs as
 * the {@code postgres} user ({@code runuser}), as PostgreSQL refuses root.
 *
 * <p>Durability is PostgreSQL's default: {@code fsync=on}, {@code synchronous_commit=on},
 * {@code full_page_writes=on}. Only memory and checkpoint spacing are raised, so that the baseline is not held back by
 * a 128 MB buffer pool or by checkpoints every 1 GB of WAL: {@code shared_buffers=4GB}, {@code max_wal_size=32GB},
 * {@code checkpoint_timeout=30min}.
 */
public final class PostgresCluster implements AutoCloseable {
    public static final String BIN = "/usr/lib/postgresql/15/bin";
    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));

    private final Path directory;
    private final int port;

    private PostgresCluster(Path directory, int port) {
        this.directory = directory;
        this.port = port;
    }

    /** Initialises the cluster in {@code directory} when needed and starts it; waits until it accepts connections. */
    public static PostgresCluster start(Path directory, int port) throws IOException, InterruptedException {
        Path data = directory.resolve("data");
        if (!Files.isRegularFile(data.resolve("PG_VERSION"))) {
            Files.createDirectories(directory);
            chown(directory);
            run(List.of(BIN + "/initdb", "-D", data.toString(), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                    "--locale=C.UTF-8", "--no-instructions"));
        }
        run(List.of(BIN + "/pg_ctl", "-D", data.toString(), "-l", directory.resolve("server.log").toString(),
                "-w", "-t", "120", "-o", String.join(" ", "-p", String.valueOf(port), "-k", directory.toString(),
                        "-c", "listen_addresses=127.0.0.1", "-c", "shared_buffers=4GB", "-c", "max_wal_size=32GB",
                        "-c", "checkpoint_timeout=30min", "-c", "synchronous_commit=on", "-c", "fsync=on",
                        "-c", "max_connections=50"), "start"));
        return new PostgresCluster(directory, port);
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres");
    }

    public void execute(String... statements) throws SQLException {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }

    /** The events table: the record as jsonb and each lookup field in a column, indexed for newest-first lookups. */
    public void createEventsTable(String table, boolean withIndexes) throws SQLException {
        execute("DROP TABLE IF EXISTS " + table,
                "CREATE TABLE " + table + " (event_id text NOT NULL, event_time timestamptz NOT NULL, "
                        + "event_name text, event_source text, username text, access_key_id text, read_only boolean, "
                        + "resource_name text, record jsonb NOT NULL)");
        if (withIndexes) {
            createIndexes(table);
        }
    }

    /** One index per lookup attribute, each (attribute, event_time) so that the newest 50 are an index range scan. */
    public void createIndexes(String table) throws SQLException {
        List<String> statements = new ArrayList<>();
        statements.add("CREATE INDEX IF NOT EXISTS " + table + "_event_id ON " + table + " (event_id)");
        statements.add("CREATE INDEX IF NOT EXISTS " + table + "_event_time ON " + table + " (event_time)");
        for (String column : List.of("event_name", "event_source", "username", "access_key_id", "read_only")) {
            statements.add("CREATE INDEX IF NOT EXISTS " + table + "_" + column + " ON " + table + " (" + column
                    + ", event_time)");
        }
        execute(statements.toArray(String[]::new));
    }

    @Override
    public void close() throws IOException, InterruptedException {
        run(List.of(BIN + "/pg_ctl", "-D", directory.resolve("data").toString(), "-m", "fast", "-w", "stop"));
    }

    private static void chown(Path path) throws IOException, InterruptedException {
        if (ROOT) {
            run(List.of("chown", "-R", "postgres:postgres", path.toString()), false);
        }
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        run(command, true);
    }

    private static void run(List<String> command, boolean asPostgres) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        if (ROOT && asPostgres) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(command);
        Process process = new ProcessBuilder(full).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0) {
            throw new IOException(String.join(" ", full) + " failed:\n" + output);
        }
    }
}
