package cairn.delivery.digest;

import cairn.delivery.objectstore.DurableFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static java.util.Objects.requireNonNull;

/**
 * The RSA-2048 key pairs digests are signed with, one current pair per region (spec 3.3-3.4). A region's first pair
 * is made on first need; each is valid for {@link #VALIDITY} from its creation, and a new one is made once the current
 * one has less than {@link #OVERLAP} left, so validity windows overlap as CloudTrail's do. Each pair is a file
 * {@code <folder>/<region>/<fingerprint>.json}, readable only by its owner, holding the public key as CloudTrail hands
 * it out (DER PKCS#1 {@code RSAPublicKey}; its fingerprint is the MD5 of those bytes) and the private key (PKCS#8).
 * Thread-safe.
 */
public final class SigningKeys {
    public static final Duration VALIDITY = Duration.ofDays(30);
    public static final Duration OVERLAP = Duration.ofDays(5);
    private static final Pattern REGION = Pattern.compile("[a-z]{2,12}(-[a-z]{1,16}){1,3}-\\d{1,2}[a-z]?");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path folder;
    private final Clock clock;
    private final Map<String, List<KeyEntry>> byRegion = new ConcurrentHashMap<>();

    /** A public key as ListPublicKeys returns it. */
    public record PublicKey(byte[] pkcs1Der, Instant validityStart, Instant validityEnd, String fingerprint) {
        public PublicKey {
            requireNonNull(pkcs1Der, "pkcs1Der is null");
            requireNonNull(validityStart, "validityStart is null");
            requireNonNull(validityEnd, "validityEnd is null");
            requireNonNull(fingerprint, "fingerprint is null");
        }
    }

    /** A signature: its hex text, and the fingerprint of the key that made it. */
    public record Signed(String signatureHex, String fingerprint) {
    }

    private record KeyEntry(PublicKey publicKey, PrivateKey privateKey) {
    }

    public SigningKeys(Path folder, Clock clock) {
        this.folder = requireNonNull(folder, "folder is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    /** Signs {@code bytes} (SHA256withRSA) with the region's current key, making one when it is due. */
    public Signed sign(String region, byte[] bytes) {
        Signer signer = signer(region);
        return new Signed(signer.sign(bytes), signer.fingerprint());
    }

    /**
     * The region's current key, to sign with (made when it is due): a digest names the key's fingerprint in the text
     * it signs, so the key is chosen before the text is made.
     */
    public Signer signer(String region) {
        return new Signer(current(region));
    }

    /** One key pair, to sign with. */
    public static final class Signer {
        private final KeyEntry key;

        private Signer(KeyEntry key) {
            this.key = key;
        }

        public String fingerprint() {
            return key.publicKey().fingerprint();
        }

        /** The lowercase hex SHA256withRSA signature of {@code bytes}. */
        public String sign(byte[] bytes) {
            try {
                Signature signature = Signature.getInstance("SHA256withRSA");
                signature.initSign(key.privateKey());
                signature.update(bytes);
                return HexFormat.of().formatHex(signature.sign());
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("cannot sign with key " + fingerprint(), e);
            }
        }
    }

    /** The region's current public key (made when it is due). */
    public PublicKey currentPublicKey(String region) {
        return current(region).publicKey();
    }

    /** The region's public keys whose validity windows meet {@code [from, to]}, oldest first. */
    public List<PublicKey> publicKeys(String region, Instant from, Instant to) {
        List<PublicKey> found = new ArrayList<>();
        for (KeyEntry key : keys(region)) {
            PublicKey publicKey = key.publicKey();
            if (!publicKey.validityStart().isAfter(to) && !publicKey.validityEnd().isBefore(from)) {
                found.add(publicKey);
            }
        }
        return found;
    }

    private synchronized KeyEntry current(String region) {
        List<KeyEntry> keys = keys(region);
        Instant now = clock.instant();
        KeyEntry newest = keys.isEmpty() ? null : keys.getLast();
        if (newest == null || !now.isBefore(newest.publicKey().validityEnd().minus(OVERLAP))
                || now.isBefore(newest.publicKey().validityStart())) {
            newest = create(region, now);
            List<KeyEntry> updated = new ArrayList<>(keys);
            updated.add(newest);
            updated.sort(Comparator.comparing(entry -> entry.publicKey().validityStart()));
            byRegion.put(region, List.copyOf(updated));
        }
        return newest;
    }

    private List<KeyEntry> keys(String region) {
        if (!REGION.matcher(region).matches()) {
            throw new IllegalArgumentException("not a region name: " + region);
        }
        return byRegion.computeIfAbsent(region, this::load);
    }

    private List<KeyEntry> load(String region) {
        Path regionFolder = folder.resolve(region);
        List<KeyEntry> keys = new ArrayList<>();
        if (Files.isDirectory(regionFolder)) {
            try (Stream<Path> files = Files.list(regionFolder)) {
                for (Path file : files.filter(path -> path.getFileName().toString().endsWith(".json")).toList()) {
                    keys.add(read(file));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the signing keys of " + region, e);
            }
        }
        keys.sort(Comparator.comparing(entry -> entry.publicKey().validityStart()));
        return List.copyOf(keys);
    }

    private static KeyEntry read(Path file) throws IOException {
        JsonNode node = JSON.readTree(file.toFile());
        byte[] publicDer = Base64.getDecoder().decode(node.get("publicKey").asText());
        try {
            PrivateKey privateKey = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(
                    Base64.getDecoder().decode(node.get("privateKey").asText())));
            return new KeyEntry(new PublicKey(publicDer, Instant.parse(node.get("validityStart").asText()),
                    Instant.parse(node.get("validityEnd").asText()), fingerprint(publicDer)), privateKey);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the private key in " + file, e);
        }
    }

    private KeyEntry create(String region, Instant now) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            KeyPair pair = generator.generateKeyPair();
            byte[] der = pkcs1((RSAPublicKey) pair.getPublic());
            Instant start = now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
            PublicKey publicKey = new PublicKey(der, start, start.plus(VALIDITY), fingerprint(der));
            ObjectNode node = JSON.createObjectNode().put("region", region)
                    .put("fingerprint", publicKey.fingerprint())
                    .put("validityStart", publicKey.validityStart().toString())
                    .put("validityEnd", publicKey.validityEnd().toString())
                    .put("publicKey", Base64.getEncoder().encodeToString(der))
                    .put("privateKey", Base64.getEncoder().encodeToString(pair.getPrivate().getEncoded()));
            Path file = folder.resolve(region).resolve(publicKey.fingerprint() + ".json");
            DurableFiles.createDirectories(file.getParent());
            Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
            Files.deleteIfExists(temporary);
            Files.createFile(temporary, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                    "rw-------")));
            DurableFiles.writeAtomically(file, JSON.writeValueAsBytes(node), ".tmp");
            return new KeyEntry(publicKey, pair.getPrivate());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot make an RSA key pair", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store a signing key of " + region, e);
        }
    }

    /** The DER of a PKCS#1 {@code RSAPublicKey}: SEQUENCE { INTEGER modulus, INTEGER publicExponent }. */
    static byte[] pkcs1(RSAPublicKey key) {
        byte[] modulus = derInteger(key.getModulus());
        byte[] exponent = derInteger(key.getPublicExponent());
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(modulus);
        body.writeBytes(exponent);
        return derTagged(0x30, body.toByteArray());
    }

    private static byte[] derInteger(BigInteger value) {
        return derTagged(0x02, value.toByteArray());
    }

    private static byte[] derTagged(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 4);
        out.write(tag);
        int length = content.length;
        if (length < 0x80) {
            out.write(length);
        } else if (length < 0x100) {
            out.write(0x81);
            out.write(length);
        } else {
            out.write(0x82);
            out.write(length >>> 8);
            out.write(length & 0xff);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    /** Lowercase hex MD5 of the DER bytes, as CloudTrail fingerprints its keys. */
    static String fingerprint(byte[] der) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
