package cairn.server.console;

import cairn.model.json.StrictJson;
import cairn.server.identity.Directory;
import cairn.server.identity.Principal;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The console passwords of an installation's users, as slow hashes ({@link PasswordHash}) in one file readable only
 * by its owner, {@code passwords.json}:
 * {@code {"passwords":[{"account":..,"user":..,"principalId":..,"hash":..,"changed":..}]}}.
 * The file is read again whenever it changed (a change rewrites it atomically, so it is a new file), so a password
 * changed by the {@code cairn} command takes effect at once, also on sessions signed in with the old one
 * ({@link #stamp}). Thread-safe.
 */
public final class ConsolePasswords {
    static final String FILE = "passwords.json";

    private final Path file;
    private final Clock clock;
    /** The entries as last read, with what the file was then. */
    private volatile Snapshot snapshot = new Snapshot(null, null, -1, Map.of());

    private record Snapshot(Object fileKey, java.nio.file.attribute.FileTime modified, long size,
                            Map<String, ObjectNode> entries) {
    }

    public ConsolePasswords(Path folder, Clock clock) {
        this.file = requireNonNull(folder, "folder is null").resolve(FILE);
        this.clock = requireNonNull(clock, "clock is null");
    }

    /** A new random password: 24 letters and digits (about 140 bits), easy to copy. */
    public static String randomPassword() {
        String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        java.security.SecureRandom random = new java.security.SecureRandom();
        StringBuilder password = new StringBuilder(24);
        for (int i = 0; i < 24; i++) {
            password.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return password.toString();
    }

    /** The device cookies of the console's sign-ins, signed with a key kept beside the passwords. */
    DeviceCookies deviceCookies() {
        return DeviceCookies.open(file.getParent(), clock);
    }

    /** Whether any password was ever set (a new installation has none). */
    public boolean isEmpty() {
        return read().isEmpty();
    }

    /**
     * Sets a user's password, refusing one of the wrong length with the reason. The entry names the principal's ID,
     * so that a user deleted and made again under the same name does not inherit the password.
     */
    public String set(Principal principal, String password) {
        Optional<String> problem = PasswordHash.problem(password);
        if (problem.isPresent()) {
            throw new IllegalArgumentException(problem.get());
        }
        String hash = PasswordHash.hash(password);
        write(entries -> {
            ObjectNode entry = StrictJson.MAPPER.createObjectNode();
            entry.put("account", principal.accountId());
            entry.put("user", principal.name());
            entry.put("principalId", principal.id());
            entry.put("hash", hash);
            entry.put("changed", clock.instant().toString());
            entries.put(key(principal.accountId(), principal.name()), entry);
            write(entries);
        });
        return stampOf(hash);
    }

    /**
     * Whether {@code principal} (empty: the user name is unknown) has a password and {@code password} is it, as the
     * {@link #stamp} of the password it matched; as slow either way, so that timing does not tell which users exist.
     */
    public Optional<String> check(Optional<Principal> principal, String password) {
        Optional<String> hash = principal.flatMap(this::hashOf);
        if (hash.isEmpty()) {
            PasswordHash.matches(password, Dummy.HASH);
            return Optional.empty();
        }
        return PasswordHash.matches(password, hash.get()) ? Optional.of(stampOf(hash.get())) : Optional.empty();
    }

    /**
     * A short digest of the password {@code principal} has now (empty: none), which differs after every change, also
     * to the same password: a session keeps the one it signed in with, and ends when it is no longer the user's.
     */
    public Optional<String> stamp(Principal principal) {
        return hashOf(principal).map(ConsolePasswords::stampOf);
    }

    private Optional<String> hashOf(Principal principal) {
        return Optional.ofNullable(read().get(key(principal.accountId(), principal.name())))
                .filter(entry -> entry.path("principalId").asText().equals(principal.id()))
                .map(entry -> entry.get("hash").asText());
    }

    /** The hashes are salted, so a digest of one names one setting of a password. */
    private static String stampOf(String hash) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(
                    hash.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest, 0, 12);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** A hash to check against when a user has none, made on first need. */
    private static final class Dummy {
        static final String HASH = PasswordHash.hash("a password nobody has");
    }

    private static String key(String account, String user) {
        return account + "/" + user;
    }

    /**
     * The entries as the file has them now (not to be changed): read again only when the file is another one, or
     * changed in time or size, since the last read.
     */
    private Map<String, ObjectNode> read() {
        java.nio.file.attribute.BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class);
        } catch (java.nio.file.NoSuchFileException e) {
            return Map.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the console passwords in " + file, e);
        }
        Snapshot last = snapshot;
        if (java.util.Objects.equals(last.fileKey(), attributes.fileKey()) && attributes.fileKey() != null
                && attributes.lastModifiedTime().equals(last.modified()) && attributes.size() == last.size()) {
            return last.entries();
        }
        Map<String, ObjectNode> entries = new LinkedHashMap<>();
        try {
            JsonNode root = StrictJson.MAPPER.readTree(file.toFile());
            for (JsonNode entry : root.path("passwords")) {
                entries.put(key(entry.get("account").asText(), entry.get("user").asText()), (ObjectNode) entry);
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read the console passwords in " + file + ": " + e.getMessage(), e);
        }
        Map<String, ObjectNode> read = java.util.Collections.unmodifiableMap(entries);
        snapshot = new Snapshot(attributes.fileKey(), attributes.lastModifiedTime(), attributes.size(), read);
        return read;
    }

    /**
     * Runs a change under this JVM's lock and a file lock, so that the server and the command do not lose one; the
     * change gets a copy of the entries to change and write.
     */
    private synchronized void write(java.util.function.Consumer<Map<String, ObjectNode>> change) {
        try {
            Files.createDirectories(file.getParent());
            try (FileChannel channel = FileChannel.open(file.resolveSibling(FILE + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE); FileLock ignored = channel.lock()) {
                change.accept(new LinkedHashMap<>(read()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock the console passwords in " + file, e);
        }
    }

    private void write(Map<String, ObjectNode> entries) {
        ObjectNode root = StrictJson.MAPPER.createObjectNode();
        ArrayNode list = root.putArray("passwords");
        entries.values().forEach(list::add);
        try {
            Directory.writePrivate(file, StrictJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the console passwords in " + file, e);
        }
    }
}
