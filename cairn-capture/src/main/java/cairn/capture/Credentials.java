package cairn.capture;

import java.util.Optional;

import static java.util.Objects.requireNonNull;

/** The access key Cairn knows the service by (a writer's key), and a session token for temporary keys. */
public record Credentials(String accessKeyId, String secretAccessKey, Optional<String> sessionToken) {
    public Credentials {
        requireNonNull(accessKeyId, "accessKeyId is null");
        requireNonNull(secretAccessKey, "secretAccessKey is null");
        requireNonNull(sessionToken, "sessionToken is null");
    }

    public Credentials(String accessKeyId, String secretAccessKey) {
        this(accessKeyId, secretAccessKey, Optional.empty());
    }

    @Override
    public String toString() {
        return "Credentials[" + accessKeyId + "]";
    }
}
