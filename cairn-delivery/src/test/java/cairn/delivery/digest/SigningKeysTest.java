package cairn.delivery.digest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Signatures as validate-logs checks them: Python {@code rsa.verify} with the PKCS#1 key, as the AWS CLI v1 does. */
final class SigningKeysTest {
    private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");

    @TempDir
    Path folder;

    @Test
    void sign_verifiesWithThePublishedPkcs1Key_likeTheAwsCli() throws Exception {
        SigningKeys keys = new SigningKeys(folder.resolve("keys"), Clock.fixed(NOW, ZoneOffset.UTC));
        byte[] toSign = "2026-03-01T10:00:00Z\nbucket/key\nba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\nnull"
                .getBytes(StandardCharsets.UTF_8);
        SigningKeys.Signed signed = keys.sign("us-east-1", toSign);
        SigningKeys.PublicKey key = keys.currentPublicKey("us-east-1");
        assertThat(signed.fingerprint()).isEqualTo(key.fingerprint());
        assertThat(signed.signatureHex()).matches("[0-9a-f]{512}");

        Files.write(folder.resolve("key.der"), key.pkcs1Der());
        Files.write(folder.resolve("message"), toSign);
        Files.writeString(folder.resolve("signature"), signed.signatureHex());
        assertThat(python("import rsa,binascii,sys; d=sys.argv[1]; k=rsa.PublicKey.load_pkcs1(open(d+'/key.der','rb')"
                + ".read(),'DER'); print(rsa.verify(open(d+'/message','rb').read(), binascii.unhexlify(open(d+"
                + "'/signature').read()), k))")).isEqualTo("SHA-256");

        byte[] tampered = toSign.clone();
        tampered[0] ^= 1;
        Files.write(folder.resolve("message"), tampered);
        assertThat(python("import rsa,binascii,sys\nd=sys.argv[1]\nk=rsa.PublicKey.load_pkcs1(open(d+'/key.der','rb')"
                + ".read(),'DER')\ntry:\n    rsa.verify(open(d+'/message','rb').read(), binascii.unhexlify(open(d+"
                + "'/signature').read()), k); print('valid')\nexcept rsa.VerificationError:\n    print('invalid')"))
                .isEqualTo("invalid");
    }

    @Test
    void keys_areKeptAndReloaded_andRegionsAreChecked() {
        SigningKeys first = new SigningKeys(folder.resolve("keys"), Clock.fixed(NOW, ZoneOffset.UTC));
        String fingerprint = first.currentPublicKey("eu-west-1").fingerprint();
        SigningKeys reloaded = new SigningKeys(folder.resolve("keys"),
                Clock.fixed(NOW.plus(Duration.ofDays(10)), ZoneOffset.UTC));
        assertThat(reloaded.currentPublicKey("eu-west-1").fingerprint()).isEqualTo(fingerprint);
        assertThat(reloaded.publicKeys("eu-west-1", NOW, NOW)).extracting(SigningKeys.PublicKey::fingerprint)
                .containsExactly(fingerprint);
        assertThat(HexFormat.of().parseHex(fingerprint)).hasSize(16);
        assertThatThrownBy(() -> reloaded.currentPublicKey("../etc")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a region name: ../etc");
    }

    private String python(String program) throws Exception {
        Process process = new ProcessBuilder("python3", "-c", program, folder.toString()).redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        process.waitFor();
        return output;
    }
}
