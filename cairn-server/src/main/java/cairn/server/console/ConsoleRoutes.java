package cairn.server.console;

import cairn.model.error.CloudTrailException;
import cairn.model.error.ErrorCode;
import cairn.model.json.StrictJson;
import cairn.model.record.ParsedRecord;
import cairn.model.record.RecordProblem;
import cairn.model.record.RecordReader;
import cairn.model.trail.Trail;
import cairn.server.audit.Call;
import cairn.server.audit.RandomIds;
import cairn.server.audit.SelfAudit;
import cairn.server.history.EventHistory;
import cairn.server.history.HistoryTerms;
import cairn.server.http.ApiRoutes;
import cairn.server.http.CloudTrailOperations;
import cairn.server.http.ErrorResponses;
import cairn.server.identity.AccessKey;
import cairn.server.identity.Account;
import cairn.server.identity.Caller;
import cairn.server.identity.Directory;
import cairn.server.identity.PermissionSet;
import cairn.server.identity.Principal;
import cairn.store.EventStore;
import cairn.store.StoredEntry;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;

import static java.util.Objects.requireNonNull;

/**
 * The console's HTTP side (docs/CONSOLE.md): its static pages, password sign-in with a session cookie, CSRF tokens and
 * lock-out, the CloudTrail API for signed-in users (the same operations as the SigV4 edge, audited the same way),
 * streamed downloads, live events (server-sent events), events per minute, and trail integrity. Thread-safe.
 */
public final class ConsoleRoutes {
    static final String COOKIE = "cairn_session";
    static final HeaderName CSRF = HeaderNames.create("X-Cairn-CSRF");
    static final HeaderName REGION = HeaderNames.create("X-Cairn-Region");
    private static final HeaderName TARGET = HeaderNames.create("X-Amz-Target");
    private static final HeaderName REQUEST_ID = HeaderNames.create("x-amzn-RequestId");
    private static final HeaderName CSP = HeaderNames.create("Content-Security-Policy");
    private static final HeaderName NO_SNIFF = HeaderNames.create("X-Content-Type-Options");
    private static final HeaderName REFERRER = HeaderNames.create("Referrer-Policy");
    private static final HeaderName FRAMES = HeaderNames.create("X-Frame-Options");
    static final String POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    private static final String ASSETS = "cairn/console/";
    private static final int MAX_BODY = 1 << 20;
    private static final long LIVE_POLL_MILLIS = 250;
    private static final long KEEP_ALIVE_MILLIS = 15_000;
    /** A live stream reads at most this many new records a poll; beyond that it skips ahead and says so. */
    private static final int LIVE_MAX_READ = 5_000;
    private static final long STATS_CAP = 1_000_000;
    /** How long a dashboard's counts are answered again without counting anew. */
    private static final Duration STATS_FRESH = Duration.ofSeconds(5);
    private static final int MAX_STREAMS_PER_SESSION = 4;
    /** Live streams open at once in all: each polls the store four times a second. */
    static final int MAX_STREAMS = 64;
    /** Downloads running at once in all: each reads and writes as fast as it can. */
    static final int MAX_DOWNLOADS = 4;
    /** Downloads of one user at once, and live streams. */
    static final int MAX_DOWNLOADS_PER_USER = 2;
    static final int MAX_STREAMS_PER_USER = 8;
    /** A write to a download or a live stream blocked this long (the reader stopped reading) cuts it off. */
    static final Duration WRITE_DEADLINE = Duration.ofSeconds(60);
    /** A download looks again whether its session lives after this many events. */
    private static final int DOWNLOAD_CHECK_EVERY = 10_000;
    private static final Logger LOG = Logger.getLogger(ConsoleRoutes.class.getName());
    private static final DateTimeFormatter FILE_STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter CLOCK_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);

    private final Directory directory;
    private final String installationAccount;
    private final ConsolePasswords passwords;
    private final CloudTrailOperations operations;
    private final EventHistory history;
    private final EventStore store;
    private final SelfAudit audit;
    private final java.util.function.Supplier<List<Trail>> trails;
    private final TrailIntegrity integrity;
    private final Predicate<String> servesRegion;
    private final List<String> regions;
    private final Clock clock;
    private final ConsoleSessions sessions;
    private final SignInGuard guard;
    private final DeviceCookies devices;
    /** Held while a session changes its password, which moves the password's stamp and the session's. */
    private final Object passwordChanges = new Object();
    /** Password checks at once: half the cores, at least one. */
    private final java.util.concurrent.Semaphore hashing = new java.util.concurrent.Semaphore(
            Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
    private final Map<String, byte[]> assets = new ConcurrentHashMap<>();
    private final Set<Thread> liveStreams = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.Semaphore streamSlots = new java.util.concurrent.Semaphore(MAX_STREAMS);
    private final java.util.concurrent.Semaphore downloadSlots = new java.util.concurrent.Semaphore(MAX_DOWNLOADS);
    /** Downloads and live streams open, by principal ID. */
    private final Map<String, Integer> downloadsByUser = new ConcurrentHashMap<>();
    private final Map<String, Integer> streamsByUser = new ConcurrentHashMap<>();
    private final StalledWrites stalled;
    /** Open live streams by session: each polls the store, so a session may hold only a few. */
    private final Map<String, Integer> streamsBySession = new ConcurrentHashMap<>();
    private volatile boolean closed;
    private volatile boolean localNamesOnly;
    private volatile Optional<java.net.URI> publicUrl = Optional.empty();
    /** Counts per minute lately answered, by account, region and minutes; shared by every tab that asks. */
    private final Map<String, StatsAnswer> statsAnswers = new ConcurrentHashMap<>();
    /** One count of the store at a time: many open dashboards must not take the cores from ingest. */
    private final java.util.concurrent.Semaphore counting = new java.util.concurrent.Semaphore(1);

    private record StatsAnswer(Instant at, java.util.concurrent.CompletableFuture<ObjectNode> answer) {
    }

    /**
     * @param trails every trail (the console finds a caller's own among them)
     * @param servesRegion whether a region is served; {@code regions} the ones to offer (the first is the default)
     */
    public ConsoleRoutes(Directory directory, String installationAccount, ConsolePasswords passwords,
                         CloudTrailOperations operations, EventHistory history, EventStore store, SelfAudit audit,
                         java.util.function.Supplier<List<Trail>> trails, TrailIntegrity integrity,
                         Predicate<String> servesRegion, List<String> regions, Clock clock) {
        this.directory = requireNonNull(directory, "directory is null");
        this.installationAccount = requireNonNull(installationAccount, "installationAccount is null");
        this.passwords = requireNonNull(passwords, "passwords is null");
        this.operations = requireNonNull(operations, "operations is null");
        this.history = requireNonNull(history, "history is null");
        this.store = requireNonNull(store, "store is null");
        this.audit = requireNonNull(audit, "audit is null");
        this.trails = requireNonNull(trails, "trails is null");
        this.integrity = requireNonNull(integrity, "integrity is null");
        this.servesRegion = requireNonNull(servesRegion, "servesRegion is null");
        this.regions = regions.isEmpty() ? List.of("us-east-1") : List.copyOf(regions);
        this.clock = requireNonNull(clock, "clock is null");
        this.sessions = new ConsoleSessions(clock);
        this.guard = new SignInGuard(clock);
        this.devices = passwords.deviceCookies();
        this.stalled = new StalledWrites(clock, WRITE_DEADLINE);
    }

    /** The TLS context of a console served over HTTPS: the key and chain of a PKCS#12 key store. */
    public static javax.net.ssl.SSLContext sslContext(java.nio.file.Path keystore, char[] password) {
        try (InputStream in = java.nio.file.Files.newInputStream(keystore)) {
            java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
            store.load(in, password);
            javax.net.ssl.KeyManagerFactory keys = javax.net.ssl.KeyManagerFactory.getInstance(
                    javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, password);
            javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot use the console's key store " + keystore + ": " + e.getMessage(),
                    e);
        }
    }

    /** How the console reads a trail's digests and validates its log files. */
    public static TrailIntegrity integrity(cairn.delivery.objectstore.ObjectStore buckets,
                                           cairn.delivery.digest.SigningKeys keys, Clock clock) {
        return new TrailIntegrity(buckets, keys, clock);
    }

    /** The console's routes. */
    public void register(HttpRouting.Builder routing) {
        routing.addFilter((chain, request, response) -> {
            if (localNamesOnly && !isLocalName(request.authority())
                    && !publicUrl.map(url -> sameAuthority(url, request.authority())).orElse(false)) {
                secure(response);
                sendError(response, 403, "ForeignHost", "This console listens on a loopback address and answers "
                        + "only to localhost, 127.0.0.1 or [::1]" + publicUrl.map(url -> " or " + url.getRawAuthority())
                        .orElse("") + ", not to " + request.authority() + " (set console.public-url to the address "
                        + "browsers use when the console is behind a proxy).");
                return;
            }
            chain.proceed();
        });
        routing.get("/console/session", this::session)
                .post("/console/signin", this::signIn)
                .post("/console/signout", (request, response) -> guarded(request, response, true, this::signOut))
                .post("/console/password", (request, response) -> guarded(request, response, true,
                        this::changePassword))
                .post("/console/api", (request, response) -> guarded(request, response, true, this::api))
                .get("/console/download", (request, response) -> guarded(request, response, false, this::download))
                .get("/console/live", (request, response) -> guarded(request, response, false, this::live))
                .get("/console/stats", (request, response) -> guarded(request, response, false, this::stats))
                .get("/console/chain", (request, response) -> guarded(request, response, false, this::chain))
                .post("/console/validate", (request, response) -> guarded(request, response, true,
                        this::validate))
                .any("/console/*", (request, response) -> {
                    secure(response);
                    sendError(response, 404, "NotFound", "No console endpoint " + request.prologue().method().text()
                            + " " + request.path().path() + ".");
                })
                .get("/*", this::asset)
                .any("/*", (request, response) -> {
                    secure(response);
                    sendError(response, 405, "MethodNotAllowed", "Pages are read with GET.");
                });
    }

    /**
     * Answers only requests addressed to a loopback name ({@code Host} localhost, 127.x.x.x or [::1]), as a console
     * bound to a loopback address must: a page of another site whose name was made to resolve to 127.0.0.1 (DNS
     * rebinding) would otherwise be of the same origin as the console, and could read its answers.
     */
    public ConsoleRoutes localNamesOnly(boolean only) {
        this.localNamesOnly = only;
        return this;
    }

    /**
     * The address browsers reach the console at, behind a reverse proxy: its origin is the console's own for the
     * cross-site checks (as well as the address a request was sent to), its host is answered, cookies are
     * {@code Secure} when it is HTTPS, and sign-ins name it as where they signed in to.
     */
    public ConsoleRoutes publicUrl(Optional<java.net.URI> url) {
        this.publicUrl = requireNonNull(url, "url is null");
        return this;
    }

    static boolean isLocalName(String authority) {
        String host = authority.startsWith("[") ? authority.substring(0, Math.max(1, authority.indexOf(']') + 1))
                : authority.contains(":") ? authority.substring(0, authority.indexOf(':')) : authority;
        String name = host.toLowerCase(java.util.Locale.ROOT);
        return name.equals("localhost") || name.endsWith(".localhost") || name.equals("[::1]")
                || name.matches("127(\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)){3}");
    }

    /** Whether {@code authority} (a Host header) names the host and port of {@code url}, the default port or not. */
    static boolean sameAuthority(java.net.URI url, String authority) {
        int defaultPort = url.getScheme().equals("https") ? 443 : 80;
        int port = url.getPort() < 0 ? defaultPort : url.getPort();
        int colon = authority.lastIndexOf(':');
        boolean hasPort = colon > authority.lastIndexOf(']');
        String host = hasPort ? authority.substring(0, colon) : authority;
        try {
            int given = hasPort ? Integer.parseInt(authority.substring(colon + 1)) : defaultPort;
            return host.equalsIgnoreCase(url.getHost()) && given == port;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** Whether the browser reached the console over HTTPS: directly, or through the public address. */
    private boolean secure(ServerRequest request) {
        return request.isSecure() || publicUrl.map(url -> url.getScheme().equals("https")).orElse(false);
    }

    /** Ends the live streams (the server is stopping). */
    public void close() {
        closed = true;
        stalled.close();
        liveStreams.forEach(Thread::interrupt);
    }

    /** How many downloads and live streams are inside a write to their reader now (blocked, if it stopped). */
    public int writesWaiting() {
        return stalled.waiting();
    }

    /** Takes one of a user's {@code max} places in {@code counts}; false when all are taken. */
    private static boolean take(Map<String, Integer> counts, String user, int max) {
        if (counts.merge(user, 1, Integer::sum) > max) {
            give(counts, user);
            return false;
        }
        return true;
    }

    private static void give(Map<String, Integer> counts, String user) {
        counts.merge(user, -1, (count, change) -> count + change == 0 ? null : count + change);
    }

    // ----- sessions ------------------------------------------------------------------------------------------------

    @FunctionalInterface
    private interface SessionHandler {
        void handle(ServerRequest request, ServerResponse response, ConsoleSessions.Session session, Caller caller)
                throws IOException;
    }

    /**
     * Runs {@code handler} for a signed-in session whose user still exists, checking the CSRF token when
     * {@code changes}; answers 401 or 403 otherwise.
     */
    private void guarded(ServerRequest request, ServerResponse response, boolean changes, SessionHandler handler) {
        secure(response);
        response.header(HeaderNames.CACHE_CONTROL, "no-store");
        Optional<ConsoleSessions.Session> session = cookie(request, COOKIE).flatMap(sessions::find);
        Optional<Caller> caller = session.flatMap(this::currentCaller);
        if (session.isEmpty() || caller.isEmpty()) {
            session.ifPresent(ended -> sessions.close(ended.id()));
            sendError(response, 401, "NotSignedIn", "Sign in to use the console.");
            return;
        }
        if (changes) {
            Optional<String> foreign = crossSite(request);
            if (foreign.isPresent()) {
                sendError(response, 403, "CrossSiteRequest", foreign.get());
                return;
            }
            Optional<String> token = request.headers().first(CSRF);
            if (token.isEmpty() || !MessageDigest.isEqual(token.get().getBytes(StandardCharsets.UTF_8),
                    session.get().csrfToken().getBytes(StandardCharsets.UTF_8))) {
                sendError(response, 403, "InvalidCsrfToken", token.isEmpty()
                        ? "The request lacks the session's CSRF token (header X-Cairn-CSRF)."
                        : "The request's CSRF token is not the session's.");
                return;
            }
        }
        try {
            handler.handle(request, response, session.get(), caller.get());
        } catch (CloseConnectionException e) {
            LOG.log(Level.WARNING, "console request " + request.path().path() + " cut off: " + e.getMessage());
            throw e;
        } catch (CloudTrailException e) {
            sendError(response, ErrorResponses.status(e.code()), e.code().wireName(), e.getMessage());
        } catch (IOException | UncheckedIOException e) {
            // The client went away (or the store failed) while a stream was being written: the connection ends.
            LOG.log(Level.FINE, "console request " + request.path().path() + " ended: " + e.getMessage());
            if (response.isSent()) {
                throw e instanceof UncheckedIOException unchecked ? unchecked
                        : new UncheckedIOException((IOException) e);
            }
            try {
                sendError(response, 500, ErrorCode.INTERNAL_FAILURE.wireName(), "The request failed on the server.");
            } catch (RuntimeException gone) {
                LOG.log(Level.FINE, "console request " + request.path().path() + ": no answer sent: "
                        + gone.getMessage());
            }
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "console request " + request.path().path() + " failed", e);
            if (response.isSent()) {
                // Part of an answer is out: the connection is cut, so that it cannot pass for a whole one.
                throw e;
            }
            sendError(response, 500, ErrorCode.INTERNAL_FAILURE.wireName(), "The request failed on the server.");
        }
    }

    /**
     * The session's caller as the directory has it now: the session ends once its user is deleted, or its password is
     * no longer the user's (changed on another session's Account page or with {@code cairn console password}).
     */
    private Optional<Caller> currentCaller(ConsoleSessions.Session session) {
        Caller signedIn = session.caller();
        Optional<Account> account = directory.account(signedIn.accountId());
        Optional<Principal> principal = directory.state().principal(signedIn.accountId(), Principal.Type.USER,
                signedIn.principal().name());
        if (account.isEmpty() || principal.isEmpty() || !principal.get().id().equals(signedIn.principal().id())
                || !signedInWithCurrentPassword(session, principal.get())) {
            return Optional.empty();
        }
        return Optional.of(new Caller(account.get(), principal.get(), signedIn.key()));
    }

    private boolean signedInWithCurrentPassword(ConsoleSessions.Session session, Principal principal) {
        if (passwords.stamp(principal).equals(Optional.of(session.passwordStamp().get()))) {
            return true;
        }
        // Looked at again once a change on this session's own Account page has moved both, file and session.
        synchronized (passwordChanges) {
            return passwords.stamp(principal).equals(Optional.of(session.passwordStamp().get()));
        }
    }

    private void session(ServerRequest request, ServerResponse response) {
        guarded(request, response, false, (ignored, answer, session, caller) ->
                sendJson(answer, 200, sessionJson(session, caller)));
    }

    private ObjectNode sessionJson(ConsoleSessions.Session session, Caller caller) {
        ObjectNode json = StrictJson.MAPPER.createObjectNode();
        json.put("account", caller.accountId());
        json.put("user", caller.principal().name());
        json.put("arn", caller.arn());
        json.put("permissionSet", caller.principal().permissions().wireName());
        json.put("accessKeyId", caller.key().id());
        json.put("csrfToken", session.csrfToken());
        json.put("region", session.region());
        ArrayNode list = json.putArray("regions");
        regions.forEach(list::add);
        json.put("expires", session.expires().getEpochSecond());
        return json;
    }

    private void signIn(ServerRequest request, ServerResponse response) {
        secure(response);
        response.header(HeaderNames.CACHE_CONTROL, "no-store");
        Optional<String> foreign = crossSite(request);
        if (foreign.isPresent()) {
            sendError(response, 403, "CrossSiteRequest", foreign.get());
            return;
        }
        if (!request.headers().contentType().map(type -> type.mediaType().text().equals("application/json"))
                .orElse(false)) {
            sendError(response, 415, "UnsupportedMediaType", "A sign-in request is JSON (Content-Type: "
                    + "application/json).");
            return;
        }
        JsonNode body;
        try {
            body = EventHistory.parseBody(readBody(request));
        } catch (CloudTrailException e) {
            sendError(response, 400, ErrorCode.VALIDATION.wireName(), e.getMessage());
            return;
        }
        Optional<String> problem = signInProblem(body);
        if (problem.isPresent()) {
            sendError(response, 400, ErrorCode.VALIDATION.wireName(), problem.get());
            return;
        }
        String account = text(body, "account").filter(value -> !value.isBlank()).map(String::strip)
                .orElse(installationAccount);
        String username = body.get("username").asText();
        String password = body.get("password").asText();
        String recordedIn = directory.account(account).isPresent() ? account : installationAccount;
        String guardKey = account + "/" + username;
        Optional<Principal> principal = directory.state().principal(account, Principal.Type.USER, username);
        ConsoleLogins.Attempt attempt = new ConsoleLogins.Attempt(clock.instant(), recordedIn,
                principal.filter(found -> recordedIn.equals(account)), regions.getFirst(), sourceIp(request),
                request.headers().first(HeaderNames.USER_AGENT).orElse(""), loginTo(request), Optional.empty());
        SignInGuard.Verdict verdict = guard.attempt(sourceIp(request), guardKey, device(request, principal));
        if (!verdict.allowed()) {
            if (verdict.record()) {
                audit.append(ConsoleLogins.entry(attempt.failed("Failed authentication")), "a ConsoleLogin event");
            }
            sendRefusal(response, verdict, "Too many failed sign-ins for this user name");
            return;
        }
        Optional<Optional<String>> matches = checkPassword(principal, password);
        if (matches.isEmpty()) {
            sendError(response, 503, "SignInBusy", "Too many sign-ins at once; try again in a moment.");
            return;
        }
        if (principal.isEmpty() || matches.get().isEmpty()) {
            audit.append(ConsoleLogins.entry(attempt.failed("Failed authentication")), "a ConsoleLogin event");
            sendError(response, 401, "SignInFailed", "The user name or password is wrong.");
            return;
        }
        guard.succeeded(verdict);
        Account found = directory.account(account).orElseThrow();
        AccessKey key = new AccessKey("ASIA" + ConsoleSessions.token().replaceAll("[^A-Za-z0-9]", "")
                .toUpperCase(java.util.Locale.ROOT).substring(0, 16), account, Principal.Type.USER, username,
                AccessKey.Status.ACTIVE, clock.instant(), "", Optional.empty());
        Caller caller = new Caller(found, principal.get(), key);
        cookie(request, COOKIE).ifPresent(sessions::close);
        ConsoleSessions.Session session = sessions.open(caller, regions.getFirst(), matches.get().get());
        audit.append(ConsoleLogins.entry(attempt), "a ConsoleLogin event");
        response.header(HeaderNames.SET_COOKIE, COOKIE + "=" + session.id() + "; Path=/; HttpOnly; SameSite=Strict"
                + "; Max-Age=" + ConsoleSessions.LIFETIME.toSeconds() + (secure(request) ? "; Secure" : ""));
        // A new device cookie at each success, so that one that failed before does not stay half-spent.
        response.headers().add(HeaderNames.SET_COOKIE, DeviceCookies.NAME + "=" + devices.issue(principal.get())
                + "; Path=/console/; HttpOnly; SameSite=Strict; Max-Age=" + DeviceCookies.LIFETIME.toSeconds()
                + (secure(request) ? "; Secure" : ""));
        sendJson(response, 200, sessionJson(session, caller));
    }

    /**
     * Checks a password with the slow hash, at most {@link #hashing}'s permits at once (a flood of sign-ins must not
     * take every core from ingest): the stamp of the password matched, if it did; empty when none came free within
     * 10 s.
     */
    private Optional<Optional<String>> checkPassword(Optional<Principal> principal, String password) {
        try {
            if (!hashing.tryAcquire(10, java.util.concurrent.TimeUnit.SECONDS)) {
                return Optional.empty();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
        try {
            return Optional.of(passwords.check(principal, password));
        } finally {
            hashing.release();
        }
    }

    /**
     * Why a state-changing request from a browser is refused as coming from another site (its {@code Origin} is not
     * the console's, or {@code Sec-Fetch-Site} says so); empty when it is the console's own.
     */
    private Optional<String> crossSite(ServerRequest request) {
        Optional<String> site = request.headers().first(HeaderNames.create("Sec-Fetch-Site"));
        if (site.isPresent() && !site.get().equals("same-origin") && !site.get().equals("none")) {
            return Optional.of("The console takes changes only from its own pages (Sec-Fetch-Site: " + site.get()
                    + ").");
        }
        Optional<String> origin = request.headers().first(HeaderNames.ORIGIN);
        String own = (request.isSecure() ? "https://" : "http://") + request.authority();
        if (origin.isPresent() && !origin.get().equalsIgnoreCase(own)
                && !publicUrl.map(url -> origin.get().equalsIgnoreCase(url.toString())).orElse(false)) {
            return Optional.of("The console takes changes only from its own pages (Origin: " + origin.get() + ").");
        }
        return Optional.empty();
    }

    private static Optional<String> signInProblem(JsonNode body) {
        if (!body.isObject()) {
            return Optional.of("The sign-in request must be a JSON object with username and password.");
        }
        for (String field : List.of("username", "password")) {
            JsonNode value = body.get(field);
            if (value == null || !value.isTextual() || value.asText().isEmpty()) {
                return Optional.of("The sign-in request lacks its " + field + ".");
            }
        }
        if (body.get("username").asText().length() > 64) {
            return Optional.of("A user name is at most 64 characters.");
        }
        if (body.get("password").asText().length() > PasswordHash.MAX_LENGTH) {
            return Optional.of("A password is at most " + PasswordHash.MAX_LENGTH + " characters.");
        }
        JsonNode account = body.get("account");
        if (account != null && !account.isNull() && (!account.isTextual()
                || !(account.asText().isBlank() || Account.isValidId(account.asText().strip())))) {
            return Optional.of("An account ID is 12 digits.");
        }
        return Optional.empty();
    }

    private void signOut(ServerRequest request, ServerResponse response, ConsoleSessions.Session session,
                         Caller caller) {
        sessions.close(session.id());
        response.header(HeaderNames.SET_COOKIE, COOKIE + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
                + (secure(request) ? "; Secure" : ""));
        response.status(204);
        response.send();
    }

    private void changePassword(ServerRequest request, ServerResponse response, ConsoleSessions.Session session,
                                Caller caller) {
        JsonNode body = EventHistory.parseBody(readBody(request));
        Optional<String> current = text(body, "currentPassword");
        Optional<String> next = text(body, "newPassword");
        Call call = consoleCall(request, caller, "ChangePassword", false, session.region());
        call.eventSource("iam.amazonaws.com");
        if (current.isEmpty() || next.isEmpty()) {
            refuse(call, response, "currentPassword and newPassword are both needed.");
            return;
        }
        String guardKey = caller.accountId() + "/" + caller.principal().name();
        SignInGuard.Verdict verdict = guard.attempt(sourceIp(request), guardKey,
                device(request, Optional.of(caller.principal())));
        if (!verdict.allowed()) {
            String message = sendRefusal(response, verdict, "Too many wrong passwords for this user name");
            call.failed(verdict.outcome() == SignInGuard.Outcome.FULL ? ErrorCode.SERVICE_UNAVAILABLE
                    : ErrorCode.VALIDATION, message);
            audit.record(call);
            return;
        }
        Optional<Optional<String>> matches = checkPassword(Optional.of(caller.principal()), current.get());
        if (matches.isEmpty()) {
            String message = "Too many password checks at once; try again in a moment.";
            call.failed(ErrorCode.SERVICE_UNAVAILABLE, message);
            audit.record(call);
            sendError(response, 503, "SignInBusy", message);
            return;
        }
        if (matches.get().isEmpty()) {
            refuse(call, response, "The current password is wrong.");
            return;
        }
        guard.succeeded(verdict);
        Optional<String> problem = PasswordHash.problem(next.get());
        if (problem.isPresent()) {
            refuse(call, response, problem.get());
            return;
        }
        try {
            synchronized (passwordChanges) {
                session.passwordStamp().set(passwords.set(caller.principal(), next.get()));
            }
        } catch (RuntimeException e) {
            call.failed(ErrorCode.INTERNAL_FAILURE, "The password could not be kept.");
            audit.record(call);
            throw e;
        }
        // Every other session of the user ends: whoever else held one must know the new password.
        sessions.closeAllOf(caller.principal().id(), session.id());
        audit.record(call);
        response.status(204);
        response.send();
    }

    /** Answers an attempt the guard refused, {@code locked} saying what was locked; returns the message sent. */
    private static String sendRefusal(ServerResponse response, SignInGuard.Verdict verdict, String locked) {
        String message = switch (verdict.outcome()) {
            case LOCKED -> locked + ": try again after " + CLOCK_TIME.format(verdict.until().orElseThrow()) + ".";
            case THROTTLED -> "Too many sign-in attempts from this address: try again after "
                    + CLOCK_TIME.format(verdict.until().orElseThrow()) + ".";
            case FULL, GO -> "Too many sign-in attempts at once; try again in a minute.";
        };
        switch (verdict.outcome()) {
            case LOCKED -> sendError(response, 429, "SignInLocked", message);
            case THROTTLED -> sendError(response, 429, "SignInThrottled", message);
            case FULL, GO -> sendError(response, 503, "SignInBusy", message);
        }
        return message;
    }

    private void refuse(Call call, ServerResponse response, String message) {
        call.failed(ErrorCode.VALIDATION, message);
        audit.record(call);
        sendError(response, 400, "InvalidPassword", message);
    }

    // ----- the API -------------------------------------------------------------------------------------------------

    private void api(ServerRequest request, ServerResponse response, ConsoleSessions.Session session, Caller caller) {
        String target = request.headers().first(TARGET).orElse("");
        String operation = target.startsWith(ApiRoutes.TARGET_PREFIX)
                ? target.substring(ApiRoutes.TARGET_PREFIX.length()) : target.isEmpty() ? "Unknown" : target;
        PermissionSet.Access access = CloudTrailOperations.access(operation);
        Call call = consoleCall(request, caller, operation, access == PermissionSet.Access.READ,
                requestedRegion(request, session));
        response.header(REQUEST_ID, call.requestId());
        byte[] answer;
        try {
            if (!target.startsWith(ApiRoutes.TARGET_PREFIX)) {
                throw new CloudTrailException(ErrorCode.UNKNOWN_OPERATION, target.isEmpty()
                        ? "The X-Amz-Target header is missing." : "Unknown operation " + target + ".");
            }
            served(call.region().orElseThrow());
            CloudTrailOperations.authorize(caller, access, "cloudtrail:" + operation);
            answer = operations.run(call, operation, readBody(request), true);
        } catch (RuntimeException e) {
            CloudTrailOperations.Failure failure = operations.failed(call, e);
            sendError(response, ErrorResponses.status(failure.code()), failure.code().wireName(), failure.message());
            return;
        }
        audit.record(call);
        response.status(200);
        response.header(HeaderNames.CONTENT_TYPE, "application/x-amz-json-1.1");
        response.send(answer);
    }

    /**
     * A call made from the console: its session's key, the region it names (checked where it runs, so that a call
     * naming a region not served is refused and recorded), its browser.
     */
    private Call consoleCall(ServerRequest request, Caller caller, String operation, boolean readOnly,
                             String region) {
        Call call = new Call(RandomIds.next(), clock.instant(), sourceIp(request),
                request.headers().first(HeaderNames.USER_AGENT));
        call.markFromConsole();
        call.operation(operation, readOnly);
        call.scope(caller.key().id(), region);
        call.authenticated(caller);
        return call;
    }

    private String served(String region) {
        if (!servesRegion.test(region)) {
            throw new CloudTrailException(ErrorCode.VALIDATION, "This Cairn does not serve the region " + region
                    + ".");
        }
        return region;
    }

    /** The region a request names (header or query), or the session's; one not served is refused. */
    private String region(ServerRequest request, ConsoleSessions.Session session) {
        return served(requestedRegion(request, session));
    }

    private static String requestedRegion(ServerRequest request, ConsoleSessions.Session session) {
        String region = request.headers().first(REGION)
                .or(() -> request.query().first("region").asOptional())
                .filter(value -> !value.isBlank()).orElse(session.region());
        return region.length() > 64 ? region.substring(0, 64) : region;
    }

    // ----- history: download, live, stats -------------------------------------------------------------------------

    /** A LookupEvents-style filter from query parameters: {@code attr=Key:Value} (repeatable), {@code start}, {@code end}. */
    private static ObjectNode filter(ServerRequest request) {
        ObjectNode filter = StrictJson.MAPPER.createObjectNode();
        List<String> attributes = request.query().contains("attr") ? request.query().all("attr") : List.of();
        if (!attributes.isEmpty()) {
            ArrayNode list = filter.putArray("LookupAttributes");
            for (String attribute : attributes) {
                int colon = attribute.indexOf(':');
                if (colon < 1) {
                    throw new CloudTrailException(ErrorCode.INVALID_LOOKUP_ATTRIBUTES,
                            "A filter attribute is AttributeKey:AttributeValue, not " + attribute + ".");
                }
                ObjectNode item = list.addObject();
                item.put("AttributeKey", attribute.substring(0, colon));
                item.put("AttributeValue", attribute.substring(colon + 1));
            }
        }
        for (String[] bound : new String[][] {{"start", "StartTime"}, {"end", "EndTime"}}) {
            Optional<String> value = request.query().first(bound[0]).asOptional().filter(text -> !text.isBlank());
            if (value.isPresent()) {
                try {
                    filter.put(bound[1], Long.parseLong(value.get().strip()));
                } catch (NumberFormatException e) {
                    throw new CloudTrailException(ErrorCode.SERIALIZATION, bound[1] + " must be a timestamp in "
                            + "epoch seconds, not " + value.get() + ".");
                }
            }
        }
        return filter;
    }

    private void download(ServerRequest request, ServerResponse response, ConsoleSessions.Session session,
                          Caller caller) throws IOException {
        String format = request.query().first("format").orElse("json");
        if (!format.equals("json") && !format.equals("csv")) {
            throw new CloudTrailException(ErrorCode.VALIDATION, "format is json or csv, not " + format + ".");
        }
        Call call = consoleCall(request, caller, "LookupEvents", true, requestedRegion(request, session));
        String region = call.region().orElseThrow();
        ObjectNode filter;
        try {
            served(region);
            filter = filter(request);
            call.requestParameters(filter.deepCopy().put("download", format).toString());
            CloudTrailOperations.authorize(caller, PermissionSet.Access.READ, "cloudtrail:LookupEvents");
            history.termsOf(caller.accountId(), region, filter);
        } catch (RuntimeException e) {
            CloudTrailOperations.Failure failure = operations.failed(call, e);
            sendError(response, ErrorResponses.status(failure.code()), failure.code().wireName(), failure.message());
            return;
        }
        String user = caller.principal().id();
        if (!take(downloadsByUser, user, MAX_DOWNLOADS_PER_USER)) {
            String message = "A user may run " + MAX_DOWNLOADS_PER_USER + " downloads at once; try again when one "
                    + "ends.";
            call.failed(ErrorCode.SERVICE_UNAVAILABLE, message);
            audit.record(call);
            sendError(response, 429, "TooManyDownloads", message);
            return;
        }
        if (!downloadSlots.tryAcquire()) {
            give(downloadsByUser, user);
            String message = MAX_DOWNLOADS + " downloads are running; try again when one ends.";
            call.failed(ErrorCode.SERVICE_UNAVAILABLE, message);
            audit.record(call);
            sendError(response, 503, "TooManyDownloads", message);
            return;
        }
        try {
            stream(response, format, region, filter, session, caller);
        } catch (RuntimeException e) {
            call.failed(ErrorCode.INTERNAL_FAILURE, "The download was cut off.");
            throw e;
        } finally {
            // Recorded when it ends, so that one cut off is recorded as failed.
            audit.record(call);
            downloadSlots.release();
            give(downloadsByUser, user);
        }
    }

    private void stream(ServerResponse response, String format, String region, ObjectNode filter,
                        ConsoleSessions.Session session, Caller caller) {
        // The answer's stream is opened (its status and headers sent) with the first 64 KB, or at the end: a failure
        // before then is still answered with an error.
        boolean[] opened = {false};
        OutputStream lazy = new OutputStream() {
            private OutputStream open;

            private OutputStream open() {
                if (open == null) {
                    response.header(HeaderNames.CONTENT_TYPE, format.equals("csv") ? "text/csv; charset=utf-8"
                            : "application/json");
                    response.header(HeaderNames.CONTENT_DISPOSITION, "attachment; filename=\"cairn-events-" + region
                            + "-" + FILE_STAMP.format(clock.instant()) + "." + format + "\"");
                    open = stalled.watch(response.outputStream());
                    opened[0] = true;
                }
                return open;
            }

            @Override
            public void write(int b) throws IOException {
                open().write(b);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                open().write(bytes, offset, length);
            }

            @Override
            public void flush() throws IOException {
                if (open != null) {
                    open.flush();
                }
            }

            @Override
            public void close() throws IOException {
                open().close();
            }
        };
        OutputStream out = new BufferedOutputStream(lazy, 64 * 1024);
        try {
            EventExport export = EventExport.of(format, out);
            export.start();
            long[] written = {0};
            history.forEachMatching(caller.accountId(), region, filter, (entry, record) -> {
                if (++written[0] % DOWNLOAD_CHECK_EVERY == 0 && sessions.peek(session.id())
                        .flatMap(this::currentCaller).filter(now -> now.allows(PermissionSet.Access.READ)).isEmpty()) {
                    throw new IOException("the session ended (signed out, password changed or user deleted)");
                }
                export.event(entry, record);
            });
            export.finish();
            out.close();
        } catch (IOException | RuntimeException e) {
            if (!opened[0]) {
                throw e instanceof RuntimeException runtime ? runtime : new UncheckedIOException((IOException) e);
            }
            // Once the stream is open the answer cannot become an error any more, and closing it would end the body
            // as if it were whole: the connection is cut, so that a client sees a download that failed as failed.
            throw new CloseConnectionException("the download of " + caller.accountId() + "'s events failed midway: "
                    + e.getMessage(), e);
        }
    }

    private void live(ServerRequest request, ServerResponse response, ConsoleSessions.Session session,
                      Caller caller) throws IOException {
        CloudTrailOperations.authorize(caller, PermissionSet.Access.READ, "cloudtrail:LookupEvents");
        String region = region(request, session);
        ObjectNode filter = filter(request);
        List<byte[]> terms = history.termsOf(caller.accountId(), region, filter);
        long minTime = filter.path("StartTime").asLong(0);
        long maxTime = filter.has("EndTime") ? filter.get("EndTime").asLong() : Long.MAX_VALUE;
        long end0 = store.nextOffset();
        // A reconnecting EventSource sends the ID of the last message it had: the offset to go on from.
        long from = request.headers().first(HeaderNames.create("Last-Event-ID")).flatMap(ConsoleRoutes::offset)
                .filter(offset -> offset <= end0).orElse(end0);
        if (streamsBySession.merge(session.id(), 1, Integer::sum) > MAX_STREAMS_PER_SESSION) {
            streamClosed(session);
            sendError(response, 429, "TooManyStreams", "A session may hold " + MAX_STREAMS_PER_SESSION
                    + " live streams at once; close one first.");
            return;
        }
        String user = caller.principal().id();
        if (!take(streamsByUser, user, MAX_STREAMS_PER_USER)) {
            streamClosed(session);
            sendError(response, 429, "TooManyStreams", "A user may hold " + MAX_STREAMS_PER_USER + " live streams "
                    + "at once; close one first.");
            return;
        }
        if (!streamSlots.tryAcquire()) {
            give(streamsByUser, user);
            streamClosed(session);
            sendError(response, 503, "TooManyStreams", "The console holds " + MAX_STREAMS + " live streams at "
                    + "once; try again later.");
            return;
        }
        response.header(HeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        Thread self = Thread.currentThread();
        liveStreams.add(self);
        try (OutputStream out = stalled.watch(response.outputStream())) {
            write(out, ": live events of " + region + "\n\n");
            long quietSince = System.currentTimeMillis();
            while (!closed && sessions.peek(session.id()).flatMap(this::currentCaller)
                    .filter(current -> current.allows(PermissionSet.Access.READ)).isPresent()) {
                List<StoredEntry> fresh = new ArrayList<>();
                long end = store.nextOffset();
                if (end - from > LIVE_MAX_READ) {
                    write(out, "event: skipped\nid: " + (end - LIVE_MAX_READ) + "\ndata: "
                            + (end - LIVE_MAX_READ - from) + "\n\n");
                    from = end - LIVE_MAX_READ;
                }
                while (from < end) {
                    List<StoredEntry> chunk = store.read(from, 1000, 4 << 20);
                    if (chunk.isEmpty()) {
                        break;
                    }
                    for (StoredEntry entry : chunk) {
                        from = entry.offset() + 1;
                        if (entry.eventTime() >= minTime && entry.eventTime() <= maxTime
                                && matches(entry, caller.accountId(), terms)) {
                            fresh.add(entry);
                        }
                    }
                }
                long now = System.currentTimeMillis();
                if (!fresh.isEmpty()) {
                    Collections.reverse(fresh);
                    write(out, "event: events\nid: " + from + "\ndata: " + new String(EventHistory.eventsJson(fresh),
                            StandardCharsets.UTF_8) + "\n\n");
                    quietSince = now;
                } else if (now - quietSince >= KEEP_ALIVE_MILLIS) {
                    write(out, ": keep-alive\n\n");
                    quietSince = now;
                }
                Thread.sleep(LIVE_POLL_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            liveStreams.remove(self);
            streamSlots.release();
            give(streamsByUser, user);
            streamClosed(session);
        }
    }

    private void streamClosed(ConsoleSessions.Session session) {
        streamsBySession.merge(session.id(), -1, (count, change) -> count + change == 0 ? null : count + change);
    }

    private static Optional<Long> offset(String text) {
        try {
            return Optional.of(Long.parseLong(text.strip())).filter(value -> value >= 0);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Whether a stored record is one of the account's that the history would find by every one of {@code terms}. */
    private static boolean matches(StoredEntry entry, String account, List<byte[]> terms) {
        ParsedRecord record;
        try {
            record = RecordReader.readStored(entry.body());
        } catch (RecordProblem problem) {
            return false;
        }
        if (record.recipientAccountId().filter(account::equals).isEmpty() || record.eventId().isEmpty()) {
            return false;
        }
        List<byte[]> carried = HistoryTerms.of(record, record.eventId().get(), account);
        for (byte[] term : terms) {
            if (carried.stream().noneMatch(candidate -> java.util.Arrays.equals(candidate, term))) {
                return false;
            }
        }
        return true;
    }

    private void stats(ServerRequest request, ServerResponse response, ConsoleSessions.Session session,
                       Caller caller) {
        CloudTrailOperations.authorize(caller, PermissionSet.Access.READ, "cloudtrail:LookupEvents");
        String region = region(request, session);
        int minutes;
        try {
            minutes = Integer.parseInt(request.query().first("minutes").orElse("30"));
        } catch (NumberFormatException e) {
            minutes = -1;
        }
        if (minutes < 1 || minutes > 180) {
            throw new CloudTrailException(ErrorCode.VALIDATION, "minutes is 1 to 180.");
        }
        Instant now = clock.instant();
        String key = caller.accountId() + " " + region + " " + minutes;
        StatsAnswer mine = new StatsAnswer(now, new java.util.concurrent.CompletableFuture<>());
        StatsAnswer found = statsAnswers.compute(key, (ignored, previous) -> previous != null
                && previous.at().plus(STATS_FRESH).isAfter(now) && !previous.answer().isCompletedExceptionally()
                ? previous : mine);
        if (found == mine) {
            if (statsAnswers.size() > 1_000) {
                statsAnswers.values().removeIf(answer -> !answer.at().plus(STATS_FRESH).isAfter(now));
            }
            try {
                mine.answer().complete(countPerMinute(caller.accountId(), region, minutes, now));
            } catch (RuntimeException e) {
                mine.answer().completeExceptionally(e);
                throw e;
            }
        }
        ObjectNode answer;
        try {
            answer = found.answer().get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new CloudTrailException(ErrorCode.SERVICE_UNAVAILABLE, "The counts are not ready; try again.");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CloudTrailException(ErrorCode.SERVICE_UNAVAILABLE, "The counts are not ready; try again.");
        }
        sendJson(response, 200, answer);
    }

    /** Counts the account's events in the region per minute, the last {@code minutes} and the one going on. */
    private ObjectNode countPerMinute(String account, String region, int minutes, Instant at) {
        try {
            if (!counting.tryAcquire(20, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new CloudTrailException(ErrorCode.SERVICE_UNAVAILABLE, "The counts are busy; try again.");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CloudTrailException(ErrorCode.SERVICE_UNAVAILABLE, "The counts are busy; try again.");
        }
        try {
            List<byte[]> all = List.of(HistoryTerms.all(account, region, false));
            long now = at.getEpochSecond();
            long current = now - Math.floorMod(now, 60);
            ObjectNode answer = StrictJson.MAPPER.createObjectNode();
            ArrayNode list = answer.putArray("minutes");
            boolean capped = false;
            for (long start = current - 60L * minutes; start <= current; start += 60) {
                long count = store.count(all, start, start + 59, STATS_CAP);
                capped |= count == STATS_CAP;
                list.addObject().put("start", start).put("count", count);
            }
            answer.put("capped", capped);
            return answer;
        } finally {
            counting.release();
        }
    }

    // ----- integrity -----------------------------------------------------------------------------------------------

    private Trail ownTrail(Caller caller, Optional<String> arn) {
        String wanted = arn.filter(value -> !value.isBlank()).orElseThrow(() -> new CloudTrailException(
                ErrorCode.TRAIL_NOT_PROVIDED, "The trail's ARN is missing."));
        return trails.get().stream()
                .filter(trail -> trail.accountId().equals(caller.accountId()) && trail.arn().equals(wanted))
                .findFirst()
                .orElseThrow(() -> new CloudTrailException(ErrorCode.TRAIL_NOT_FOUND, "Unknown trail: " + wanted
                        + " for the user: " + caller.accountId()));
    }

    private void chain(ServerRequest request, ServerResponse response, ConsoleSessions.Session session,
                       Caller caller) {
        CloudTrailOperations.authorize(caller, PermissionSet.Access.READ, "cloudtrail:GetTrailStatus");
        Trail trail = ownTrail(caller, request.query().first("trail").asOptional());
        String region = served(request.query().first("region").asOptional().filter(value -> !value.isBlank())
                .orElse(trail.homeRegion()));
        sendJson(response, 200, integrity.chain(trail, region));
    }

    private void validate(ServerRequest request, ServerResponse response, ConsoleSessions.Session session,
                          Caller caller) {
        CloudTrailOperations.authorize(caller, PermissionSet.Access.READ, "cloudtrail:GetTrailStatus");
        JsonNode body = EventHistory.parseBody(readBody(request));
        Trail trail = ownTrail(caller, text(body, "TrailARN"));
        Instant from = epochSeconds(body.get("StartTime")).orElseThrow(() -> new CloudTrailException(
                ErrorCode.VALIDATION, "StartTime (whole epoch seconds) is needed."));
        JsonNode end = body.get("EndTime");
        Instant to = end == null || end.isNull() ? clock.instant() : epochSeconds(end).orElseThrow(
                () -> new CloudTrailException(ErrorCode.VALIDATION, "EndTime must be whole epoch seconds."));
        String region = served(text(body, "Region").filter(value -> !value.isBlank()).orElse(trail.homeRegion()));
        sendJson(response, 200, integrity.validate(trail, region, from, to));
    }

    /** A time given as whole epoch seconds from 1970 to 9999; empty for anything else. */
    private static Optional<Instant> epochSeconds(JsonNode value) {
        return value != null && value.isIntegralNumber() && value.canConvertToLong() && value.asLong() >= 0
                && value.asLong() <= 253_402_300_799L ? Optional.of(Instant.ofEpochSecond(value.asLong()))
                : Optional.empty();
    }

    // ----- pages ---------------------------------------------------------------------------------------------------

    private void asset(ServerRequest request, ServerResponse response) {
        secure(response);
        String path = request.path().path();
        String name = path.equals("/") ? "index.html" : path.substring(1);
        if (name.contains("..") || name.contains("//") || name.startsWith("/") || name.contains("\\")) {
            sendError(response, 404, "NotFound", "No such page: " + path);
            return;
        }
        byte[] bytes = name.endsWith("/") ? new byte[0] : assets.computeIfAbsent(name, ConsoleRoutes::load);
        if (bytes.length == 0) {
            // Misses are not kept: asking for made-up names must not grow anything.
            assets.remove(name);
            sendError(response, 404, "NotFound", "No such page: " + path);
            return;
        }
        response.header(HeaderNames.CONTENT_TYPE, contentType(name));
        response.header(HeaderNames.CACHE_CONTROL, "no-cache");
        response.send(bytes);
    }

    /** A packed file's bytes, or none (an empty file is not served either). */
    private static byte[] load(String name) {
        try (InputStream in = ConsoleRoutes.class.getClassLoader().getResourceAsStream(ASSETS + name)) {
            return in == null ? new byte[0] : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String contentType(String name) {
        String extension = name.substring(name.lastIndexOf('.') + 1);
        return switch (extension) {
            case "html" -> "text/html; charset=utf-8";
            case "js" -> "text/javascript; charset=utf-8";
            case "css" -> "text/css; charset=utf-8";
            case "svg" -> "image/svg+xml";
            case "png" -> "image/png";
            case "json" -> "application/json";
            default -> "application/octet-stream";
        };
    }

    // ----- plumbing ------------------------------------------------------------------------------------------------

    private static void secure(ServerResponse response) {
        response.header(CSP, POLICY);
        response.header(NO_SNIFF, "nosniff");
        response.header(REFERRER, "no-referrer");
        response.header(FRAMES, "DENY");
    }

    /** The device nonce of a browser that signed in as {@code principal} before, from its device cookie. */
    private Optional<String> device(ServerRequest request, Optional<Principal> principal) {
        return principal.flatMap(found -> cookie(request, DeviceCookies.NAME)
                .flatMap(value -> devices.nonce(value, found)));
    }

    private static Optional<String> cookie(ServerRequest request, String name) {
        for (String header : request.headers().all(HeaderNames.COOKIE, List::of)) {
            // RFC 6265's "name=value; ..." and RFC 2965's "$Version=1; name="value"; $Path=/" alike.
            for (String part : header.split("[;,]")) {
                String pair = part.strip();
                if (pair.startsWith(name + "=")) {
                    String value = pair.substring(name.length() + 1);
                    return Optional.of(value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")
                            ? value.substring(1, value.length() - 1) : value);
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<String> text(JsonNode body, String field) {
        JsonNode value = body.get(field);
        return value != null && value.isTextual() ? Optional.of(value.asText()) : Optional.empty();
    }

    private static byte[] readBody(ServerRequest request) {
        if (!request.content().hasEntity()) {
            return new byte[0];
        }
        try (InputStream in = request.content().inputStream()) {
            byte[] body = in.readNBytes(MAX_BODY + 1);
            if (body.length > MAX_BODY) {
                throw new CloudTrailException(ErrorCode.REQUEST_TOO_LARGE, "A console request is at most "
                        + MAX_BODY + " bytes.");
            }
            return body;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sourceIp(ServerRequest request) {
        SocketAddress address = request.remotePeer().address();
        if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
            return inet.getAddress().getHostAddress();
        }
        return String.valueOf(address);
    }

    /** Where the user signed in to, for the ConsoleLogin event: the console's own address. */
    private String loginTo(ServerRequest request) {
        if (publicUrl.isPresent()) {
            return publicUrl.get() + "/";
        }
        String authority = request.authority();
        return (request.isSecure() ? "https://" : "http://")
                + (authority.length() > 255 ? authority.substring(0, 255) : authority) + "/";
    }

    private static void sendJson(ServerResponse response, int status, JsonNode body) {
        response.status(status);
        response.header(HeaderNames.CONTENT_TYPE, "application/json");
        response.send(body.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static void sendError(ServerResponse response, int status, String code, String message) {
        ObjectNode body = StrictJson.MAPPER.createObjectNode();
        body.put("__type", code);
        body.put("message", message);
        response.header(HeaderNames.create("x-amzn-ErrorType"), code);
        sendJson(response, status, body);
    }
}
