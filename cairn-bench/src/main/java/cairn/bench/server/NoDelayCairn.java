package cairn.bench.server;

import cairn.server.Main;
import cairn.server.config.CairnConfig;
import cairn.server.history.EventHistory;
import cairn.server.http.ApiRoutes;
import cairn.server.identity.Installation;
import cairn.server.ingest.Ingest;
import cairn.server.ingest.PutAuditEvents;
import cairn.store.EventStore;
import cairn.store.StoreConfig;
import io.helidon.webserver.WebServer;

import java.time.Clock;
import java.util.Optional;

/**
 * An experiment, not a product: Cairn's production routes, store and history wired as {@code CairnServer.start}
 * wires them (without the retention schedule), but with {@code TCP_NODELAY} on the server's connections, which
 * Helidon leaves off by default. Takes the arguments of {@code cairn.server.Main} and prints the same start-up lines,
 * so {@link CairnProcess} can start either. Used to show what Nagle's algorithm costs LookupEvents over HTTP.
 */
public final class NoDelayCairn {
    private NoDelayCairn() {
    }

    public static void main(String[] args) throws Exception {
        CairnConfig config = Main.configFrom(args);
        Clock clock = Clock.systemUTC();
        Installation installation = Installation.openOrCreate(config.dataDirectory());
        EventStore store = EventStore.open(new StoreConfig(config.dataDirectory().resolve("log"),
                config.store().segmentBytes(), StoreConfig.DEFAULT_MAX_ENTRY_BYTES));
        EventHistory history = new EventHistory(store, clock, config.history(), installation.tokenKey());
        Ingest ingest = new Ingest(store, installation.accountId(), config.ingest().maxRecords());
        PutAuditEvents putAuditEvents = new PutAuditEvents(ingest, installation.channelId(), Optional.empty(), clock);
        ApiRoutes routes = new ApiRoutes(history, ingest, putAuditEvents, config.ingest().maxRequestBytes());
        WebServer server = WebServer.builder()
                .host(config.server().host())
                .port(config.server().port())
                .maxPayloadSize(-1)
                .connectionOptions(options -> options.tcpNoDelay(true))
                .shutdownHook(false)
                .routing(routes::register)
                .build()
                .start();
        System.out.println("Cairn is listening on http://" + config.server().host() + ":" + server.port()
                + " (TCP_NODELAY experiment)");
        System.out.println("Store: " + store.recoveryReport().summary());
        System.out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop();
            try {
                store.close();
            } catch (java.io.IOException e) {
                System.err.println("error while stopping: " + e.getMessage());
            }
        }));
        Thread.currentThread().join();
    }
}
