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

    /** The device cookies of the console's sign-ins, signed with a key kept beside the passwords. */
    DeviceCookies deviceCookies() {
        return DeviceCookies.open(file.getParent(), clock);
    }

    /** Whether any password was ever set (a new installation has none). */
    public synchronized boolean isEmpty() {
        return read().isEmpty();
    }

    /**
     * Sets a user's password, refusing one of the wrong length with the reason. The entry names the principal's ID,
     * so that a user deleted and made again under the same name does not inherit the password.
     */
    public void set(Principal principal, String password) {
        Optional<String> problem = PasswordHash.problem(password);
        if (problem.isPresent()) {
            throw new IllegalArgumentException(problem.get());
        }
        String hash = PasswordHash.hash(password);
        locked(() -> {
            Map<String, ObjectNode> entries = read();
            ObjectNode entry = StrictJson.MAPPER.createObjectNode();
            entry.put("account", principal.accountId());
            entry.put("user", principal.name());
            entry.put("principalId", principal.id());
            entry.put("hash", hash);
            entry.put("changed", clock.instant().toString());
            entries.put(key(principal.accountId(), principal.name()), entry);
            write(entries);
        });
    }

    /**
     * Whether {@code principal} (empty: the user name is unknown) has a password and {@code password} is it; as slow
     * either way, so that timing does not tell which users exist.
     */
    public boolean matches(Optional<Principal> principal, String password) {
        Optional<ObjectNode> entry = principal.flatMap(found -> {
            synchronized (this) {
                return Optional.ofNullable(read().get(key(found.accountId(), found.name())));
            }
        }).filter(found -> found.path("principalId").asText().equals(principal.get().id()));
        if (entry.isEmpty()) {
            PasswordHash.matches(password, Dummy.HASH);
            return false;
        }
        return PasswordHash.matches(password, entry.get().get("hash").asText());
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

    /** Runs a change under this JVM's lock and a file lock, so that the server and the command do not lose one. */
    private synchronized void locked(Runnable change) {
        try {
            Files.createDirectories(file.getParent());
            try (FileChannel channel = FileChannel.open(file.resolveSibling(FILE + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE); FileLock ignored = channel.lock()) {
                change.run();
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
