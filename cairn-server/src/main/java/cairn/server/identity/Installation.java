package cairn.server.identity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

import static java.util.Objects.requireNonNull;

/**
 * What a data folder is created with on first start and keeps from then on: the identity directory with its first
 * account and that account's administrator ({@code admin}), whose access key pair is also written in AWS's shared
 * credentials format (profile {@code cairn}, readable only by its owner), and the key that signs LookupEvents
 * pagination tokens.
 */
public record Installation(Directory directory, String accountId, String accessKeyId, String secretAccessKey,
                           byte[] tokenKey, Path credentialsFile, boolean created) {
    public static final String PROFILE = "cairn";
    public static final String ADMINISTRATOR = "admin";

    public Installation {
        requireNonNull(directory, "directory is null");
        requireNonNull(accountId, "accountId is null");
        requireNonNull(accessKeyId, "accessKeyId is null");
        requireNonNull(secretAccessKey, "secretAccessKey is null");
        requireNonNull(tokenKey, "tokenKey is null");
        requireNonNull(credentialsFile, "credentialsFile is null");
    }

    /** Opens the installation of a data folder, creating it when the folder is new. */
    public static Installation openOrCreate(Path dataDirectory, Clock clock) throws IOException {
        Path folder = dataDirectory.resolve("installation");
        Path settings = folder.resolve("installation.properties");
        Path credentials = folder.resolve("credentials");
        Path tokenKeyFile = folder.resolve("next-token.key");
        Directory directory = Directory.open(dataDirectory.resolve("identity"), clock);
        if (Files.isRegularFile(settings)) {
            Properties properties = new Properties();
            try (var reader = Files.newBufferedReader(settings)) {
                properties.load(reader);
            }
            Properties keys = new Properties();
            try (var reader = Files.newBufferedReader(credentials)) {
                keys.load(reader);
            }
            return new Installation(directory, properties.getProperty("account-id"),
                    keys.getProperty("aws_access_key_id"), keys.getProperty("aws_secret_access_key"),
                    Files.readAllBytes(tokenKeyFile), credentials, false);
        }
        Files.createDirectories(folder);
        Account account = directory.createAccount(Optional.empty(), "main");
        directory.createPrincipal(account.id(), Principal.Type.USER, ADMINISTRATOR, PermissionSet.ADMINISTRATOR,
                List.of());
        Directory.NewKey key = directory.createAccessKey(account.id(), ADMINISTRATOR);
        byte[] tokenKey = new byte[32];
        new SecureRandom().nextBytes(tokenKey);
        Directory.writePrivate(credentials, ("[" + PROFILE + "]\naws_access_key_id = " + key.key().id()
                + "\naws_secret_access_key = " + key.secret() + "\n").getBytes(StandardCharsets.UTF_8));
        Directory.writePrivate(tokenKeyFile, tokenKey);
        // Written last: its presence means the installation is complete.
        Directory.writePrivate(settings, ("# Created by Cairn at first start.\naccount-id=" + account.id() + "\n")
                .getBytes(StandardCharsets.UTF_8));
        return new Installation(directory, account.id(), key.key().id(), key.secret(), tokenKey, credentials, true);
    }

    /** The first account, created with the installation; it also receives the events of unidentified callers. */
    public Account account() {
        return directory.account(accountId).orElseThrow(() -> new IllegalStateException(
                "the installation's account " + accountId + " is missing from the identity directory"));
    }

    public String channelId() {
        return account().channelId();
    }

    /** The ARN of the first account's channel in a region. */
    public String channelArn(String region) {
        return account().channelArn(region);
    }
}
