package cairn.server;

import cairn.delivery.digest.SigningKeys;
import cairn.delivery.objectstore.LocalObjectStore;
import cairn.delivery.objectstore.RoutedObjectStore;
import cairn.delivery.trail.TrailDelivery;
import cairn.server.audit.SelfAudit;
import cairn.server.auth.Authenticator;
import cairn.server.config.CairnConfig;
import cairn.server.console.ConsolePasswords;
import cairn.server.console.ConsoleRoutes;
import cairn.server.http.CloudTrailOperations;
import cairn.server.history.EventHistory;
import cairn.server.http.ApiRoutes;
import cairn.server.identity.Directory;
import cairn.server.integrity.PublicKeysApi;
import cairn.server.identity.Installation;
import cairn.server.ingest.Ingest;
import cairn.server.ingest.PutAuditEvents;
import cairn.server.trail.TrailApi;
import cairn.server.trail.TrailTags;
import cairn.server.trail.Trails;
import cairn.store.EventStore;
import cairn.store.RecoveryReport;
import cairn.store.StoreConfig;
import io.helidon.webserver.WebServer;

import java.io.IOException;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/** A running Cairn: the store, the history, ingest and the HTTP edge, built with {@code new} from one config. */
public final class CairnServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(CairnServer.class.getName());
    /** The console's sockets' send buffers (the kernel doubles it): 40 MB/s to a browser 50 ms away. */
    private static final int CONSOLE_SEND_BUFFER = 1 << 20;

    private final EventStore store;
    private final EventHistory history;
    private final SelfAudit audit;
    private final Installation installation;
    private final TrailDelivery delivery;
    private final RoutedObjectStore buckets;
    private final java.nio.file.Path dataDirectory;
    private final WebServer webServer;
    private final ScheduledExecutorService maintenance;
    private final Optional<Console> console;

    /** The console's server and routes, and the first administrator's password when this start made it. */
    private record Console(WebServer webServer, ConsoleRoutes routes, Optional<String> newPassword) {
    }

    private CairnServer(EventStore store, EventHistory history, SelfAudit audit, Installation installation,
                        TrailDelivery delivery, RoutedObjectStore buckets, java.nio.file.Path dataDirectory,
                        WebServer webServer, ScheduledExecutorService maintenance, Optional<Console> console) {
        this.store = store;
        this.history = history;
        this.audit = audit;
        this.installation = installation;
        this.delivery = delivery;
        this.buckets = buckets;
        this.dataDirectory = dataDirectory;
        this.webServer = webServer;
        this.maintenance = maintenance;
        this.console = console;
    }

    public static CairnServer start(CairnConfig config, Clock clock) throws IOException {
        Installation installation = Installation.openOrCreate(config.dataDirectory(), clock);
        EventStore store = EventStore.open(new StoreConfig(config.dataDirectory().resolve("log"),
                config.store().segmentBytes(), StoreConfig.DEFAULT_MAX_ENTRY_BYTES));
        EventHistory history = new EventHistory(store, clock, config.history(), installation.tokenKey());
        SelfAudit audit = new SelfAudit(store, installation.accountId());
        Ingest ingest = new Ingest(store, audit, config.ingest().maxRecords(), clock);
        PutAuditEvents putAuditEvents = new PutAuditEvents(ingest, installation.directory(), Optional.empty(), clock);
        Authenticator authenticator = new Authenticator(installation.directory(), clock,
                config.server()::servesRegion);
        Trails trails = Trails.open(config.dataDirectory().resolve("trails"));
        LocalObjectStore local = new LocalObjectStore(config.dataDirectory().resolve("buckets"));
        for (String bucket : local.buckets()) {
            local.removeTemporaryFiles(bucket);
        }
        RoutedObjectStore buckets = RoutedObjectStore.open(local, config.s3());
        SigningKeys keys = new SigningKeys(config.dataDirectory().resolve("keys"), clock);
        TrailDelivery delivery = new TrailDelivery(store, buckets, trails::all,
                config.dataDirectory().resolve("delivery"), config.delivery().toDeliveryConfig(), keys,
                config.server().regions(), clock);
        delivery.start();
        TrailApi trailApi = new TrailApi(trails, TrailTags.open(config.dataDirectory().resolve("trails")),
                buckets, config.delivery().createBuckets(), delivery, audit::flush, config.server().regions(), clock);
        PublicKeysApi publicKeys = new PublicKeysApi(keys, clock);
        ApiRoutes routes = new ApiRoutes(history, ingest, putAuditEvents, authenticator, audit, trailApi, publicKeys,
                clock, config.ingest().maxRequestBytes());
        WebServer webServer = WebServer.builder()
                .host(config.server().host())
                .port(config.server().port())
                .maxPayloadSize(-1)
                // A response's last partial packet must not wait for the client's delayed ACK (Nagle).
                .connectionOptions(options -> options.tcpNoDelay(true))
                .shutdownHook(false)
                .routing(routes::register)
                .build()
                .start();
        Optional<Console> console = Optional.empty();
        try {
            listening(webServer, "The API", config.server().host(), config.server().port(), "server.port");
            if (config.console().enabled()) {
                console = Optional.of(startConsole(config, clock, installation, store, history, audit, trails,
                        buckets, keys, new CloudTrailOperations(history, trailApi, publicKeys, audit)));
                listening(console.get().webServer(), "The console", config.console().host(),
                        config.console().port(), "console.port, or console.enabled = false");
            }
        } catch (IOException | RuntimeException e) {
            // Nothing half-started is left behind: what started stops, what opened closes.
            console.ifPresent(running -> {
                running.routes().close();
                running.webServer().stop();
            });
            webServer.stop();
            try {
                delivery.close();
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
            buckets.close();
            store.close();
            throw e;
        }
        ScheduledExecutorService maintenance = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "cairn-retention");
            thread.setDaemon(true);
            return thread;
        });
        long every = config.history().retentionCheckInterval().toMillis();
        CairnServer server = new CairnServer(store, history, audit, installation, delivery, buckets,
                config.dataDirectory(), webServer, maintenance, console);
        maintenance.scheduleWithFixedDelay(server::expireQuietly, every, every, TimeUnit.MILLISECONDS);
        return server;
    }

    private static Console startConsole(CairnConfig config, Clock clock, Installation installation, EventStore store,
                                        EventHistory history, SelfAudit audit, Trails trails,
                                        RoutedObjectStore buckets, SigningKeys keys,
                                        CloudTrailOperations operations) {
        ConsolePasswords passwords = new ConsolePasswords(config.dataDirectory().resolve("console"), clock);
        Optional<String> newPassword = Optional.empty();
        if (passwords.isEmpty()) {
            String password = config.console().initialPassword().isEmpty()
                    ? ConsolePasswords.randomPassword() : config.console().initialPassword();
            if (config.console().initialPassword().isEmpty()) {
                newPassword = Optional.of(password);
                // Kept before it is set, so that a crash in between cannot leave a password nobody knows.
                try {
                    cairn.server.identity.Directory.writePrivate(config.dataDirectory().resolve("installation")
                            .resolve("console-password"), (password + "\n").getBytes(
                            java.nio.charset.StandardCharsets.UTF_8));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
            passwords.set(installation.directory().state().principal(installation.accountId(),
                    cairn.server.identity.Principal.Type.USER, Installation.ADMINISTRATOR).orElseThrow(
                            () -> new IllegalStateException("the installation's administrator is missing")),
                    password);
        }
        ConsoleRoutes routes = new ConsoleRoutes(installation.directory(), installation.accountId(), passwords,
                operations, history, store, audit, trails::all, ConsoleRoutes.integrity(buckets, keys, clock),
                config.server()::servesRegion, config.server().regions(), clock)
                .localNamesOnly(isLoopback(config.console().host()))
                .publicUrl(config.console().publicUrl());
        var builder = WebServer.builder()
                .host(config.console().host())
                .port(config.console().port())
                .connectionOptions(options -> options.tcpNoDelay(true)
                        // Fixed, not grown to 4 MB a connection: downloads and live streams are many and long, and a
                        // reader that stops reading shows as a blocked write sooner (ConsoleRoutes.WRITE_DEADLINE).
                        .socketSendBufferSize(CONSOLE_SEND_BUFFER))
                .shutdownHook(false)
                .routing(routes::register);
        try {
            if (config.console().tlsKeystore().isPresent()) {
                javax.net.ssl.SSLContext context = ConsoleRoutes.sslContext(config.console().tlsKeystore().get(),
                        config.console().tlsKeystorePassword().toCharArray());
                builder.tls(tls -> tls.sslContext(context));
            }
            WebServer server = builder.build().start();
            return new Console(server, routes, newPassword);
        } catch (RuntimeException e) {
            routes.close();
            throw e;
        }
    }

    /** Whether a host to listen on is a loopback address (a name that does not resolve is taken as not). */
    private static boolean isLoopback(String host) {
        try {
            return java.net.InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    /** Helidon logs a listener that could not bind and goes on without it: Cairn stops instead, and says why. */
    private static void listening(WebServer server, String what, String host, int port, String setting)
            throws IOException {
        if (!server.isRunning() || server.port() < 0) {
            throw new IOException(what + " could not listen on " + host + ":" + port + " (is the port in use? set "
                    + setting + ")");
        }
    }

    public int port() {
        return webServer.port();
    }

    /** The console's port, when it is served. */
    public Optional<Integer> consolePort() {
        return console.map(running -> running.webServer().port());
    }

    /** The first administrator's console password, when this start made it (shown once). */
    public Optional<String> newConsolePassword() {
        return console.flatMap(Console::newPassword);
    }

    public Installation installation() {
        return installation;
    }

    /** The accounts, principals and keys; changes take effect on the next request. */
    public Directory directory() {
        return installation.directory();
    }

    /** Waits until the audit events of the calls answered so far are stored and found by lookups. */
    public void flushAudit() {
        audit.flush();
    }

    /** How many of the console's downloads and live streams are inside a write to their reader now. */
    public int consoleWritesWaiting() {
        return console.map(running -> running.routes().writesWaiting()).orElse(0);
    }

    /** Trails at run time; {@link TrailDelivery#runOnce()} delivers what is due at the clock's time. */
    public TrailDelivery delivery() {
        return delivery;
    }

    public RecoveryReport recoveryReport() {
        return store.recoveryReport();
    }

    /**
     * Deletes the segments past the retention now (it also runs on a schedule), except those holding events a trail
     * has yet to deliver; returns how many went.
     */
    public int expire() {
        return history.expire(delivery.oldestNeeded());
    }

    private void expireQuietly() {
        try {
            int deleted = expire();
            if (deleted > 0) {
                LOG.info("retention: deleted " + deleted + " segment(s) older than the retention");
            }
            int kept = history.segmentsPastRetention();
            if (kept > 0) {
                java.nio.file.FileStore disk = java.nio.file.Files.getFileStore(dataDirectory);
                LOG.warning("retention: " + kept + " segment(s) past the retention are kept because a trail has yet "
                        + "to deliver them (see GetTrailStatus' LatestDeliveryError); " + (disk.getUsableSpace() >> 20)
                        + " MB of " + (disk.getTotalSpace() >> 20) + " MB free on the data folder's disk");
            }
        } catch (RuntimeException | IOException e) {
            LOG.log(Level.WARNING, "retention check failed", e);
        }
    }

    @Override
    public void close() throws IOException {
        maintenance.shutdownNow();
        console.ifPresent(running -> {
            running.routes().close();
            running.webServer().stop();
        });
        webServer.stop();
        audit.flush();
        try {
            delivery.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        buckets.close();
        store.close();
    }
}
