package cairn.server.identity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Properties;
import java.util.UUID;

import static java.util.Objects.requireNonNull;

/**
 * What a data folder is created with on first start and keeps from then on: the account its events belong to, the
 * access key pair of its administrator (in AWS's shared credentials format, readable only by its owner), the ID of
 * the default PutAuditEvents channel, and the key that signs LookupEvents pagination tokens.
 */
public record Installation(String accountId, String accessKeyId, String secretAccessKey, String channelId,
                           byte[] tokenKey, Path credentialsFile, boolean created) {
    public static final String PROFILE = "cairn";
    private static final String LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private static final String SECRET_CHARACTERS =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    public Installation {
        requireNonNull(accountId, "accountId is null");
        requireNonNull(accessKeyId, "accessKeyId is null");
        requireNonNull(secretAccessKey, "secretAccessKey is null");
        requireNonNull(channelId, "channelId is null");
        requireNonNull(tokenKey, "tokenKey is null");
        requireNonNull(credentialsFile, "credentialsFile is null");
    }

    /** Opens the installation of a data folder, creating it when the folder is new. */
    public static Installation openOrCreate(Path dataDirectory) throws IOException {
        Path folder = dataDirectory.resolve("installation");
        Path settings = folder.resolve("installation.properties");
        Path credentials = folder.resolve("credentials");
        Path tokenKeyFile = folder.resolve("next-token.key");
        if (Files.isRegularFile(settings)) {
            Properties properties = new Properties();
            try (var reader = Files.newBufferedReader(settings)) {
                properties.load(reader);
            }
            Properties keys = new Properties();
            try (var reader = Files.newBufferedReader(credentials)) {
                keys.load(reader);
            }
            return new Installation(properties.getProperty("account-id"),
                    keys.getProperty("aws_access_key_id"), keys.getProperty("aws_secret_access_key"),
                    properties.getProperty("channel-id"), Files.readAllBytes(tokenKeyFile), credentials, false);
        }
        Files.createDirectories(folder);
        SecureRandom random = new SecureRandom();
        StringBuilder account = new StringBuilder().append(1 + random.nextInt(9));
        for (int i = 1; i < 12; i++) {
            account.append(random.nextInt(10));
        }
        String accessKeyId = "AKIA" + randomText(random, LETTERS, 16);
        String secret = randomText(random, SECRET_CHARACTERS, 40);
        String channelId = UUID.randomUUID().toString();
        byte[] tokenKey = new byte[32];
        random.nextBytes(tokenKey);
        writePrivate(credentials, ("[" + PROFILE + "]\naws_access_key_id = " + accessKeyId
                + "\naws_secret_access_key = " + secret + "\n").getBytes(StandardCharsets.UTF_8));
        writePrivate(tokenKeyFile, tokenKey);
        writePrivate(settings, ("# Created by Cairn at first start.\naccount-id=" + account
                + "\nchannel-id=" + channelId + "\n").getBytes(StandardCharsets.UTF_8));
        return new Installation(account.toString(), accessKeyId, secret, channelId, tokenKey, credentials, true);
    }

    /** The ARN of the default channel in a region. */
    public String channelArn(String region) {
        return "arn:aws:cloudtrail:" + region + ":" + accountId + ":channel/" + channelId;
    }

    private static String randomText(SecureRandom random, String alphabet, int length) {
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return text.toString();
    }

    private static void writePrivate(Path file, byte[] content) throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(temporary);
        try {
            Files.createFile(temporary, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(temporary);
        }
        Files.write(temporary, content, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.SYNC);
        Files.move(temporary, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
