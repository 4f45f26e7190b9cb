package cairn.server.console;

import cairn.model.json.StrictJson;
import cairn.server.identity.Directory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The console passwords of an installation's users, as slow hashes ({@link PasswordHash}) in one file readable only
 * by its owner, {@code passwords.json}: {@code {"passwords":[{"account":..,"user":..,"hash":..,"changed":..}]}}.
 * The file is read on every check, so a password changed by the {@code cairn} command takes effect at once; each
 * change rewrites it atomically. Thread-safe.
 */
public final class ConsolePasswords {
    static final String FILE = "passwords.json";

    private final Path file;
    private final Clock clock;

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

    /** Whether any password was ever set (a new installation has none). */
    public synchronized boolean isEmpty() {
        return read().isEmpty();
    }

    /** Sets a user's password, refusing one of the wrong length with the reason. */
    public synchronized void set(String account, String user, String password) {
        Optional<String> problem = PasswordHash.problem(password);
        if (problem.isPresent()) {
            throw new IllegalArgumentException(problem.get());
        }
        Map<String, ObjectNode> entries = read();
        ObjectNode entry = StrictJson.MAPPER.createObjectNode();
        entry.put("account", account);
        entry.put("user", user);
        entry.put("hash", PasswordHash.hash(password));
        entry.put("changed", clock.instant().toString());
        entries.put(key(account, user), entry);
        write(entries);
    }

    /** Whether the user has a password and {@code password} is it. */
    public boolean matches(String account, String user, String password) {
        Optional<String> stored;
        synchronized (this) {
            stored = Optional.ofNullable(read().get(key(account, user))).map(entry -> entry.get("hash").asText());
        }
        if (stored.isEmpty()) {
            // As slow as a real check, so that timing does not tell which users exist.
            PasswordHash.matches(password, Dummy.HASH);
            return false;
        }
        return PasswordHash.matches(password, stored.get());
    }

    /** A hash to check against when a user has none, made on first need. */
    private static final class Dummy {
        static final String HASH = PasswordHash.hash("a password nobody has");
    }

    private static String key(String account, String user) {
        return account + "/" + user;
    }

    private Map<String, ObjectNode> read() {
        Map<String, ObjectNode> entries = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            return entries;
        }
        try {
            JsonNode root = StrictJson.MAPPER.readTree(file.toFile());
            for (JsonNode entry : root.path("passwords")) {
                entries.put(key(entry.get("account").asText(), entry.get("user").asText()), (ObjectNode) entry);
            }
            return entries;
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read the console passwords in " + file + ": " + e.getMessage(), e);
        }
    }

    private void write(Map<String, ObjectNode> entries) {
        ObjectNode root = StrictJson.MAPPER.createObjectNode();
        ArrayNode list = root.putArray("passwords");
        entries.values().forEach(list::add);
        try {
            Files.createDirectories(file.getParent());
            Directory.writePrivate(file, StrictJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the console passwords in " + file, e);
        }
    }
}
