package cairn.server.identity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The accounts, principals and access keys of an installation, kept in {@code identity/identity.json} (secrets
 * sealed with {@code identity/master.key}, both readable only by their owner).
 * <p>
 * Any process may change the directory: the server, or the {@code cairn} command beside it. A change takes the
 * folder's lock, reads the file again, writes the new one whole (temporary file, fsync, atomic rename) and then
 * bumps the 8-byte counter in {@code identity/generation}. Readers keep that counter mapped into memory and look at
 * it on every lookup, so a running server sees a new or deactivated key on the very next request, without a
 * restart and without a system call per request.
 */
public final class Directory {
    public static final Duration MAX_SESSION_DURATION = Duration.ofHours(12);
    public static final int MAX_KEYS_PER_USER = 2;
    /** How long an expired temporary key stays in the file (it is dropped at the first change after that). */
    public static final Duration EXPIRED_SESSIONS_KEPT = Duration.ofDays(7);
    private static final String FILE = "identity.json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final VarHandle LONG = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());
    private static final Map<Path, Object> JVM_LOCKS = new ConcurrentHashMap<>();
    private static final String BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private static final String SECRET_CHARACTERS =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    private final Path folder;
    private final SecretBox box;
    private final Clock clock;
    private final MappedByteBuffer generation;
    private final SecureRandom random = new SecureRandom();
    private volatile Snapshot snapshot;

    /** Everything in the directory at one generation. */
    public record State(List<Account> accounts, List<Principal> principals, List<AccessKey> keys) {
        public State {
            accounts = List.copyOf(accounts);
            principals = List.copyOf(principals);
            keys = List.copyOf(keys);
        }

        static State empty() {
            return new State(List.of(), List.of(), List.of());
        }

        public Optional<Account> account(String id) {
            return accounts.stream().filter(account -> account.id().equals(id)).findFirst();
        }

        public Optional<Principal> principal(String accountId, Principal.Type type, String name) {
            return principals.stream().filter(p -> p.accountId().equals(accountId) && p.type() == type
                    && p.name().equals(name)).findFirst();
        }

        public Optional<AccessKey> key(String id) {
            return keys.stream().filter(key -> key.id().equals(id)).findFirst();
        }

        public List<AccessKey> keysOf(String accountId, Principal.Type type, String name) {
            return keys.stream().filter(key -> key.accountId().equals(accountId) && key.principalType() == type
                    && key.principalName().equals(name)).toList();
        }
    }

    /** A key with the secret to check signatures with, and the caller it stands for. */
    public record Credential(Caller caller, String secret) {
        @Override
        public String toString() {
            return "Credential[" + caller.key() + "]";
        }
    }

    private record Snapshot(long generation, State state, Map<String, Credential> credentials,
                            Map<String, Account> accountsByChannel) {
    }

    /** A new key with its secret (and, for a temporary key, its session token), shown once. */
    public record NewKey(AccessKey key, String secret, Optional<String> sessionToken) {
        @Override
        public String toString() {
            return "NewKey[" + key + "]";
        }
    }

    private Directory(Path folder, SecretBox box, Clock clock, MappedByteBuffer generation) {
        this.folder = folder;
        this.box = box;
        this.clock = clock;
        this.generation = generation;
    }

    /** Opens the directory in {@code folder}, creating the folder, its master key and an empty directory if new. */
    public static Directory open(Path folder, Clock clock) throws IOException {
        Files.createDirectories(folder);
        Path masterKey = folder.resolve("master.key");
        Path counter = folder.resolve("generation");
        synchronized (jvmLock(folder)) {
            try (FileChannel lockChannel = lockChannel(folder); FileLock ignored = lockChannel.lock()) {
                if (!Files.exists(masterKey)) {
                    byte[] key = new byte[32];
                    new SecureRandom().nextBytes(key);
                    writePrivate(masterKey, key);
                }
                if (!Files.exists(counter) || Files.size(counter) != Long.BYTES) {
                    writePrivate(counter, new byte[Long.BYTES]);
                }
            }
        }
        MappedByteBuffer generation;
        try (FileChannel channel = FileChannel.open(counter, StandardOpenOption.READ)) {
            generation = channel.map(FileChannel.MapMode.READ_ONLY, 0, Long.BYTES);
        }
        Directory directory = new Directory(folder, new SecretBox(Files.readAllBytes(masterKey)), clock, generation);
        directory.snapshot();
        return directory;
    }

    /** Everything as it is now. */
    public State state() {
        return snapshot().state();
    }

    /** The credential of an access key, whatever its status; the caller decides what an inactive key means. */
    public Optional<Credential> credential(String accessKeyId) {
        return Optional.ofNullable(snapshot().credentials().get(accessKeyId));
    }

    public Optional<Account> account(String id) {
        return state().account(id);
    }

    public Optional<Account> accountByChannel(String channelId) {
        return Optional.ofNullable(snapshot().accountsByChannel().get(channelId));
    }

    /** Whether a session token is the one issued with a temporary key (compared in constant time). */
    public static boolean sessionTokenMatches(AccessKey key, String sessionToken) {
        return key.session().isPresent() && MessageDigest.isEqual(
                key.session().get().tokenSha256().getBytes(StandardCharsets.US_ASCII),
                sha256Hex(sessionToken).getBytes(StandardCharsets.US_ASCII));
    }

    // ----- changes -------------------------------------------------------------------------------------------------

    /** Creates an account; a new 12-digit ID is drawn when none is given. */
    public Account createAccount(Optional<String> id, String name) {
        return change(state -> {
            String accountId = id.orElseGet(() -> newAccountId(state));
            if (!Account.isValidId(accountId)) {
                throw new IllegalArgumentException("an account ID is 12 digits, not " + accountId);
            }
            if (state.account(accountId).isPresent()) {
                throw new IllegalStateException("account " + accountId + " already exists");
            }
            Account account = new Account(accountId, name, UUID.randomUUID().toString(), clock.instant());
            List<Account> accounts = new ArrayList<>(state.accounts());
            accounts.add(account);
            return new Change<>(new State(accounts, state.principals(), state.keys()), account);
        });
    }

    /** Creates a user or a role in an account. */
    public Principal createPrincipal(String accountId, Principal.Type type, String name, PermissionSet permissions,
                                     List<String> grantedAccounts) {
        return change(state -> {
            requireAccount(state, accountId);
            for (String granted : grantedAccounts) {
                if (!Account.isValidId(granted)) {
                    throw new IllegalArgumentException("a granted account is a 12-digit ID, not " + granted);
                }
            }
            if (state.principal(accountId, type, name).isPresent()) {
                throw new IllegalStateException(type.wireName() + " " + name + " already exists in account "
                        + accountId);
            }
            Principal principal = new Principal(accountId, type, name, type.idPrefix() + text(BASE32, 17),
                    permissions, grantedAccounts, clock.instant());
            List<Principal> principals = new ArrayList<>(state.principals());
            principals.add(principal);
            return new Change<>(new State(state.accounts(), principals, state.keys()), principal);
        });
    }

    /** Deletes a user or role that has no access keys left. */
    public Principal deletePrincipal(String accountId, Principal.Type type, String name) {
        return change(state -> {
            Principal principal = requirePrincipal(state, accountId, type, name);
            List<AccessKey> keys = state.keysOf(accountId, type, name);
            if (keys.stream().anyMatch(key -> key.session().isEmpty())) {
                throw new IllegalStateException(type.wireName() + " " + name + " still has access keys; delete them "
                        + "first");
            }
            List<Principal> principals = new ArrayList<>(state.principals());
            principals.remove(principal);
            List<AccessKey> remaining = new ArrayList<>(state.keys());
            remaining.removeAll(keys);
            return new Change<>(new State(state.accounts(), principals, remaining), principal);
        });
    }

    /** Creates a long-term key for a user (at most two per user, as IAM allows, so keys can be rotated). */
    public NewKey createAccessKey(String accountId, String userName) {
        return change(state -> {
            requirePrincipal(state, accountId, Principal.Type.USER, userName);
            if (state.keysOf(accountId, Principal.Type.USER, userName).size() >= MAX_KEYS_PER_USER) {
                throw new IllegalStateException("user " + userName + " already has " + MAX_KEYS_PER_USER
                        + " access keys; delete one first");
            }
            return addKey(state, accountId, Principal.Type.USER, userName, "AKIA", Optional.empty());
        });
    }

    /** Sets a key Active or Inactive. */
    public AccessKey setAccessKeyStatus(String accessKeyId, AccessKey.Status status) {
        return change(state -> {
            AccessKey key = requireKey(state, accessKeyId);
            AccessKey changed = key.withStatus(status);
            List<AccessKey> keys = new ArrayList<>(state.keys());
            keys.set(keys.indexOf(key), changed);
            return new Change<>(new State(state.accounts(), state.principals(), keys), changed);
        });
    }

    public AccessKey deleteAccessKey(String accessKeyId) {
        return change(state -> {
            AccessKey key = requireKey(state, accessKeyId);
            List<AccessKey> keys = new ArrayList<>(state.keys());
            keys.remove(key);
            return new Change<>(new State(state.accounts(), state.principals(), keys), key);
        });
    }

    /**
     * Rotates a user's key in one step: a new key is created and the old one deactivated (delete it once nothing
     * uses it). With two keys already, the other inactive one must be deleted first.
     */
    public NewKey rotateAccessKey(String accessKeyId) {
        return change(state -> {
            AccessKey old = requireKey(state, accessKeyId);
            if (old.session().isPresent()) {
                throw new IllegalArgumentException("access key " + accessKeyId + " is temporary; assume the role again");
            }
            if (state.keysOf(old.accountId(), old.principalType(), old.principalName()).size()
                    >= MAX_KEYS_PER_USER) {
                throw new IllegalStateException("user " + old.principalName() + " already has " + MAX_KEYS_PER_USER
                        + " access keys; delete the one not in use first");
            }
            List<AccessKey> keys = new ArrayList<>(state.keys());
            keys.set(keys.indexOf(old), old.withStatus(AccessKey.Status.INACTIVE));
            State deactivated = new State(state.accounts(), state.principals(), keys);
            return addKey(deactivated, old.accountId(), old.principalType(), old.principalName(), "AKIA",
                    Optional.empty());
        });
    }

    /** Issues temporary credentials (an {@code ASIA...} key, its secret and a session token) for a role. */
    public NewKey assumeRole(String accountId, String roleName, String sessionName, Duration duration) {
        if (duration.compareTo(Duration.ofMinutes(15)) < 0 || duration.compareTo(MAX_SESSION_DURATION) > 0) {
            throw new IllegalArgumentException("a session lasts from 15 minutes to 12 hours, not " + duration);
        }
        if (!sessionName.matches("[\\w+=,.@-]{2,64}")) {
            throw new IllegalArgumentException("a session name is 2 to 64 of letters, digits and +=,.@_-, not "
                    + sessionName);
        }
        return change(state -> {
            requirePrincipal(state, accountId, Principal.Type.ROLE, roleName);
            byte[] token = new byte[96];
            random.nextBytes(token);
            String sessionToken = Base64.getEncoder().encodeToString(token);
            AccessKey.Session session = new AccessKey.Session(sessionName, sha256Hex(sessionToken),
                    clock.instant().plus(duration));
            Change<NewKey> added = addKey(state, accountId, Principal.Type.ROLE, roleName, "ASIA",
                    Optional.of(session));
            NewKey key = added.result();
            return new Change<>(added.state(), new NewKey(key.key(), key.secret(), Optional.of(sessionToken)));
        });
    }

    private Change<NewKey> addKey(State state, String accountId, Principal.Type type, String name, String prefix,
                                  Optional<AccessKey.Session> session) {
        String id;
        do {
            id = prefix + text(BASE32, 16);
        } while (state.key(id).isPresent());
        String secret = text(SECRET_CHARACTERS, 40);
        AccessKey key = new AccessKey(id, accountId, type, name, AccessKey.Status.ACTIVE, clock.instant(),
                box.seal(id, secret), session);
        List<AccessKey> keys = new ArrayList<>(state.keys());
        keys.add(key);
        return new Change<>(new State(state.accounts(), state.principals(), keys), new NewKey(key, secret,
                Optional.empty()));
    }

    private static Account requireAccount(State state, String accountId) {
        return state.account(accountId).orElseThrow(() -> new IllegalArgumentException(
                "there is no account " + accountId));
    }

    private static Principal requirePrincipal(State state, String accountId, Principal.Type type, String name) {
        requireAccount(state, accountId);
        return state.principal(accountId, type, name).orElseThrow(() -> new IllegalArgumentException(
                "there is no " + type.wireName() + " " + name + " in account " + accountId));
    }

    private static AccessKey requireKey(State state, String accessKeyId) {
        return state.key(accessKeyId).orElseThrow(() -> new IllegalArgumentException(
                "there is no access key " + accessKeyId));
    }

    private String newAccountId(State state) {
        String id;
        do {
            StringBuilder digits = new StringBuilder().append(1 + random.nextInt(9));
            for (int i = 1; i < 12; i++) {
                digits.append(random.nextInt(10));
            }
            id = digits.toString();
        } while (state.account(id).isPresent());
        return id;
    }

    private String text(String alphabet, int length) {
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return text.toString();
    }

    private record Change<T>(State state, T result) {
    }

    /** Reads the file again under the folder's lock, applies one change, writes the file and bumps the counter. */
    private <T> T change(Function<State, Change<T>> change) {
        synchronized (jvmLock(folder)) {
            try (FileChannel lockChannel = lockChannel(folder); FileLock ignored = lockChannel.lock()) {
                State current = read();
                // Expired sessions are kept a while, so that their callers keep hearing ExpiredTokenException.
                Instant forgetBefore = clock.instant().minus(EXPIRED_SESSIONS_KEPT);
                State live = new State(current.accounts(), current.principals(), current.keys().stream()
                        .filter(key -> key.session().map(s -> s.expires().isAfter(forgetBefore)).orElse(true))
                        .toList());
                Change<T> applied = change.apply(live);
                writePrivate(folder.resolve(FILE), serialize(applied.state()));
                try (FileChannel counter = FileChannel.open(folder.resolve("generation"), StandardOpenOption.READ,
                        StandardOpenOption.WRITE)) {
                    ByteBuffer next = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.nativeOrder());
                    next.putLong(0, currentGeneration() + 1);
                    counter.write(next, 0);
                    counter.force(false);
                }
                snapshot();
                return applied.result();
            } catch (IOException e) {
                throw new UncheckedIOException("could not change the identity directory in " + folder, e);
            }
        }
    }

    private long currentGeneration() {
        return (long) LONG.getVolatile(generation, 0);
    }

    private Snapshot snapshot() {
        Snapshot current = snapshot;
        long now = currentGeneration();
        if (current != null && current.generation() == now) {
            return current;
        }
        synchronized (this) {
            current = snapshot;
            now = currentGeneration();
            if (current != null && current.generation() == now) {
                return current;
            }
            State state;
            try {
                state = read();
            } catch (IOException e) {
                throw new UncheckedIOException("could not read the identity directory in " + folder, e);
            }
            Map<String, Credential> credentials = new HashMap<>();
            for (AccessKey key : state.keys()) {
                Optional<Account> account = state.account(key.accountId());
                Optional<Principal> principal = state.principal(key.accountId(), key.principalType(),
                        key.principalName());
                if (account.isPresent() && principal.isPresent()) {
                    credentials.put(key.id(), new Credential(new Caller(account.get(), principal.get(), key),
                            box.open(key.id(), key.sealedSecret())));
                }
            }
            Map<String, Account> byChannel = new HashMap<>();
            state.accounts().forEach(account -> byChannel.put(account.channelId(), account));
            Snapshot fresh = new Snapshot(now, state, Map.copyOf(credentials), Map.copyOf(byChannel));
            snapshot = fresh;
            return fresh;
        }
    }

    // ----- the file ------------------------------------------------------------------------------------------------

    private State read() throws IOException {
        Path file = folder.resolve(FILE);
        if (!Files.exists(file)) {
            return State.empty();
        }
        JsonNode root = JSON.readTree(file.toFile());
        List<Account> accounts = new ArrayList<>();
        for (JsonNode node : root.path("accounts")) {
            accounts.add(new Account(node.get("id").asText(), node.get("name").asText(),
                    node.get("channelId").asText(), Instant.parse(node.get("created").asText())));
        }
        List<Principal> principals = new ArrayList<>();
        for (JsonNode node : root.path("principals")) {
            List<String> granted = new ArrayList<>();
            node.path("grantedAccounts").forEach(account -> granted.add(account.asText()));
            principals.add(new Principal(node.get("accountId").asText(),
                    Principal.Type.fromWireName(node.get("type").asText()), node.get("name").asText(),
                    node.get("id").asText(), PermissionSet.fromWireName(node.get("permissionSet").asText()), granted,
                    Instant.parse(node.get("created").asText())));
        }
        List<AccessKey> keys = new ArrayList<>();
        for (JsonNode node : root.path("accessKeys")) {
            JsonNode session = node.get("session");
            keys.add(new AccessKey(node.get("id").asText(), node.get("accountId").asText(),
                    Principal.Type.fromWireName(node.get("principalType").asText()),
                    node.get("principalName").asText(), AccessKey.Status.fromWireName(node.get("status").asText()),
                    Instant.parse(node.get("created").asText()), node.get("sealedSecret").asText(),
                    session == null ? Optional.empty() : Optional.of(new AccessKey.Session(
                            session.get("name").asText(), session.get("tokenSha256").asText(),
                            Instant.parse(session.get("expires").asText())))));
        }
        return new State(accounts, principals, keys);
    }

    private static byte[] serialize(State state) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", 1);
        ArrayNode accounts = root.putArray("accounts");
        for (Account account : state.accounts()) {
            accounts.addObject().put("id", account.id()).put("name", account.name())
                    .put("channelId", account.channelId()).put("created", account.created().toString());
        }
        ArrayNode principals = root.putArray("principals");
        for (Principal principal : state.principals()) {
            ObjectNode node = principals.addObject().put("accountId", principal.accountId())
                    .put("type", principal.type().wireName()).put("name", principal.name()).put("id", principal.id())
                    .put("permissionSet", principal.permissions().wireName())
                    .put("created", principal.created().toString());
            ArrayNode granted = node.putArray("grantedAccounts");
            principal.grantedAccounts().forEach(granted::add);
        }
        ArrayNode keys = root.putArray("accessKeys");
        for (AccessKey key : state.keys()) {
            ObjectNode node = keys.addObject().put("id", key.id()).put("accountId", key.accountId())
                    .put("principalType", key.principalType().wireName()).put("principalName", key.principalName())
                    .put("status", key.status().wireName()).put("created", key.created().toString())
                    .put("sealedSecret", key.sealedSecret());
            key.session().ifPresent(session -> node.putObject("session").put("name", session.name())
                    .put("tokenSha256", session.tokenSha256()).put("expires", session.expires().toString()));
        }
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
    }

    private static Object jvmLock(Path folder) {
        return JVM_LOCKS.computeIfAbsent(folder.toAbsolutePath().normalize(), ignored -> new Object());
    }

    private static FileChannel lockChannel(Path folder) throws IOException {
        return FileChannel.open(folder.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    }

    static String sha256Hex(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes a file whole, readable only by its owner: temporary file, fsync, atomic rename. */
    public static void writePrivate(Path file, byte[] content) throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(temporary);
        try {
            Files.createFile(temporary, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(temporary);
        }
        Files.write(temporary, content, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.SYNC);
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
    }
}
