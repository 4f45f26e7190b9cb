package cairn.server.integrity;

import cairn.delivery.digest.SigningKeys;
import cairn.model.error.CloudTrailException;
import cairn.model.error.ErrorCode;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * ListPublicKeys (spec 3.4): the region's digest-signing public keys, as DER PKCS#1 in base64 with their MD5
 * fingerprints and validity windows, all in one response (validate-logs makes one call and does not page). With no
 * times, the current key (made on first need); with a range, every key whose window meets it.
 */
public final class PublicKeysApi {
    private static final JsonFactory JSON = new JsonFactory();

    private final SigningKeys keys;
    private final Clock clock;

    public PublicKeysApi(SigningKeys keys, Clock clock) {
        this.keys = requireNonNull(keys, "keys is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    public byte[] listPublicKeys(String region, JsonNode request) {
        Optional<Instant> start = time(request, "StartTime");
        Optional<Instant> end = time(request, "EndTime");
        if (start.isPresent() && end.isPresent() && start.get().isAfter(end.get())) {
            throw new CloudTrailException(ErrorCode.INVALID_TIME_RANGE, "Start time must not be after end time.");
        }
        List<SigningKeys.PublicKey> found = start.isEmpty() && end.isEmpty()
                ? List.of(keys.currentPublicKey(region))
                : keys.publicKeys(region, start.orElse(Instant.EPOCH), end.orElse(clock.instant()));
        ByteArrayOutputStream out = new ByteArrayOutputStream(512 * (found.size() + 1));
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeArrayFieldStart("PublicKeyList");
            for (SigningKeys.PublicKey key : found) {
                json.writeStartObject();
                json.writeStringField("Value", Base64.getEncoder().encodeToString(key.pkcs1Der()));
                json.writeNumberField("ValidityStartTime", key.validityStart().getEpochSecond());
                json.writeNumberField("ValidityEndTime", key.validityEnd().getEpochSecond());
                json.writeStringField("Fingerprint", key.fingerprint());
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** An epoch-seconds time (a number, possibly with a fraction, as the SDKs send it). */
    private static Optional<Instant> time(JsonNode request, String field) {
        JsonNode value = request.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isNumber()) {
            throw new CloudTrailException(ErrorCode.SERIALIZATION, field + " must be a timestamp in epoch seconds.");
        }
        double seconds = value.asDouble();
        if (seconds < 0 || seconds > 253402300799L) {
            throw new CloudTrailException(ErrorCode.INVALID_TIME_RANGE, field + " is out of range: " + value);
        }
        return Optional.of(Instant.ofEpochMilli((long) (seconds * 1000)));
    }
}
