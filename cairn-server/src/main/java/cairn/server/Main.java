package cairn.server;

import cairn.server.config.CairnConfig;
import cairn.server.identity.Installation;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * Starts Cairn: {@code Main [--config FILE] [--data DIR] [--port N] [--host H] [--set key=value]...}. Prints where it
 * listens and, on the first start of a data folder, the access key to use.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        CairnConfig config;
        try {
            config = configFrom(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        try {
            serve(config);
        } catch (IOException e) {
            System.err.println("Cairn did not start: " + e.getMessage());
            System.exit(1);
        }
    }

    /** Starts Cairn, says where it listens, and runs until the process is stopped. */
    public static void serve(CairnConfig config) throws IOException, InterruptedException {
        CairnServer server = CairnServer.start(config, Clock.systemUTC());
        describe(server, config, System.out);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (IOException e) {
                System.err.println("error while stopping: " + e.getMessage());
            }
            stopped.countDown();
        }, "cairn-shutdown"));
        stopped.await();
    }

    /** Reads the options; those given win over the configuration file and the environment. */
    public static CairnConfig configFrom(String[] args) throws IOException {
        Optional<Path> file = Optional.empty();
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            String argument = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value after " + argument);
            }
            String value = args[i + 1];
            switch (argument) {
                case "--config" -> file = Optional.of(Path.of(value));
                case "--data" -> values.put("data.directory", value);
                case "--port" -> values.put("server.port", value);
                case "--host" -> values.put("server.host", value);
                case "--set" -> {
                    int equals = value.indexOf('=');
                    if (equals < 1) {
                        throw new IllegalArgumentException("--set takes key=value, not " + value);
                    }
                    values.put(value.substring(0, equals), value.substring(equals + 1));
                }
                default -> throw new IllegalArgumentException("unknown option " + argument
                        + "; options: --config FILE, --data DIR, --port N, --host H, --set key=value");
            }
        }
        return CairnConfig.load(file, values, System.getenv());
    }

    public static void describe(CairnServer server, CairnConfig config, PrintStream out) {
        Installation installation = server.installation();
        String endpoint = "http://" + config.server().host() + ":" + server.port();
        out.println("Cairn is listening on " + endpoint + " (data in " + config.dataDirectory().toAbsolutePath() + ")");
        out.println("Store: " + server.recoveryReport().summary());
        server.recoveryReport().notes().forEach(note -> out.println("Recovery: " + note));
        out.println("Account " + installation.accountId() + "; PutAuditEvents channel " + installation.channelId());
        if (installation.created()) {
            out.println();
            out.println("First start: an administrator access key was created. The secret is shown only now;");
            out.println("it is also kept, readable only by you, in " + installation.credentialsFile().toAbsolutePath());
            out.println("  AWS_ACCESS_KEY_ID=" + installation.accessKeyId());
            out.println("  AWS_SECRET_ACCESS_KEY=" + installation.secretAccessKey());
        } else {
            out.println("Access key " + installation.accessKeyId() + " (profile [" + Installation.PROFILE + "] in "
                    + installation.credentialsFile().toAbsolutePath() + ")");
        }
        server.consolePort().ifPresent(port -> out.println("Console: "
                + (config.console().tlsKeystore().isPresent() ? "https" : "http") + "://" + config.console().host() + ":" + port
                + "/ (user " + Installation.ADMINISTRATOR + ")"));
        server.newConsolePassword().ifPresent(password -> {
            out.println("First start: the console password of " + Installation.ADMINISTRATOR + " is shown only now; it is "
                    + "also kept, readable only by you, in "
                    + config.dataDirectory().resolve("installation").resolve("console-password").toAbsolutePath()
                    + " (change it on the console's Account page)");
            out.println("  " + password);
        });
        out.println("Try: AWS_SHARED_CREDENTIALS_FILE=" + installation.credentialsFile().toAbsolutePath()
                + " aws --profile " + Installation.PROFILE + " --region us-east-1 cloudtrail lookup-events"
                + " --endpoint-url " + endpoint);
        out.flush();
    }
}
