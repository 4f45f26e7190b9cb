package cairn.capture.testing;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.HexFormat;

/** The Authorization headers callers of a sample service send, and the HMAC a redacted value must become. */
public final class Callers {
    /** The redaction key the sample services record with. */
    public static final byte[] REDACTION_KEY = "capture-tests-redaction-key-0001".getBytes(StandardCharsets.US_ASCII);

    private Callers() {
    }

    /** {@code Bearer} and an unsigned JWT ({@code alg: none}) with this subject and issuer. */
    public static String bearer(String subject, String issuer) {
        Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
        return "Bearer " + encoder.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8))
                + "." + encoder.encodeToString(("{\"sub\":\"" + subject + "\",\"iss\":\"" + issuer
                + "\",\"exp\":4102444800}").getBytes(StandardCharsets.UTF_8)) + ".";
    }

    public static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                .getBytes(StandardCharsets.UTF_8));
    }

    /** What a SigV4-signing client sends (the service checks the signature; the recorder only reads the key). */
    public static String sigV4(String accessKeyId) {
        return "AWS4-HMAC-SHA256 Credential=" + accessKeyId + "/20260201/us-east-1/users/aws4_request, "
                + "SignedHeaders=host;x-amz-date, Signature=" + "0f".repeat(32);
    }

    /** {@code hmac-sha256:<hex>} of the value under the key, computed here, not by the redactor. */
    public static String hmac(byte[] key, String value) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return "hmac-sha256:" + HexFormat.of().formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
