package cairn.cli;

import cairn.server.Main;
import cairn.server.config.CairnConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** The {@code cairn} command. */
@Command(name = "cairn", mixinStandardHelpOptions = true, version = "cairn 0.1.0",
        description = "A self-hosted audit trail for APIs, compatible with AWS CloudTrail.",
        subcommands = {CairnCommand.Serve.class, IdentityCommands.Accounts.class, IdentityCommands.Users.class,
                IdentityCommands.Roles.class, IdentityCommands.Keys.class, BucketCommands.class,
                ValidateLogsCommand.class, ProxyCommand.class, ConsoleCommands.Console.class})
public final class CairnCommand implements Runnable {
    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new CairnCommand()).execute(args));
    }

    @Command(name = "serve", mixinStandardHelpOptions = true,
            description = "Runs the Cairn server (API on one port, data in ./data by default).")
    static final class Serve implements Callable<Integer> {
        @Option(names = "--config", description = "configuration file of key = value lines")
        Path config;

        @Option(names = "--data", description = "data folder (default: ./data)")
        Path data;

        @Option(names = "--port", description = "API port (default: 8745; 0 picks a free one)")
        Integer port;

        @Option(names = "--host", description = "address to listen on (default: 127.0.0.1)")
        String host;

        @Option(names = "--set", description = "any configuration key, as key=value", mapFallbackValue = "")
        Map<String, String> settings;

        @Override
        public Integer call() throws Exception {
            List<String> arguments = new ArrayList<>();
            if (config != null) {
                arguments.addAll(List.of("--config", config.toString()));
            }
            if (data != null) {
                arguments.addAll(List.of("--data", data.toString()));
            }
            if (port != null) {
                arguments.addAll(List.of("--port", port.toString()));
            }
            if (host != null) {
                arguments.addAll(List.of("--host", host));
            }
            if (settings != null) {
                settings.forEach((key, value) -> arguments.addAll(List.of("--set", key + "=" + value)));
            }
            CairnConfig configuration;
            try {
                configuration = Main.configFrom(arguments.toArray(String[]::new));
            } catch (IllegalArgumentException e) {
                System.err.println(e.getMessage());
                return 2;
            }
            try {
                Main.serve(configuration);
            } catch (java.io.IOException e) {
                System.err.println("Cairn did not start: " + e.getMessage());
                return 1;
            }
            return 0;
        }
    }
}
