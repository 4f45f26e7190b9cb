package cairn.delivery.validation;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.RSAPublicKeySpec;

/** Reads a DER PKCS#1 {@code RSAPublicKey} (SEQUENCE { INTEGER modulus, INTEGER publicExponent }), and nothing else. */
final class Pkcs1 {
    private Pkcs1() {
    }

    /** The key, or an exception when the bytes are not exactly a PKCS#1 RSA public key. */
    static PublicKey read(byte[] der) throws GeneralSecurityException {
        int[] at = {0};
        int sequenceEnd = enter(der, at, 0x30);
        if (sequenceEnd != der.length) {
            throw new GeneralSecurityException("data after the RSAPublicKey sequence");
        }
        BigInteger modulus = integer(der, at);
        BigInteger exponent = integer(der, at);
        if (at[0] != sequenceEnd || modulus.signum() <= 0 || exponent.signum() <= 0) {
            throw new GeneralSecurityException("not an RSAPublicKey");
        }
        return KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(modulus, exponent));
    }

    private static BigInteger integer(byte[] der, int[] at) throws GeneralSecurityException {
        int end = enter(der, at, 0x02);
        if (end == at[0]) {
            throw new GeneralSecurityException("empty INTEGER");
        }
        byte[] value = java.util.Arrays.copyOfRange(der, at[0], end);
        at[0] = end;
        return new BigInteger(value);
    }

    /** Reads a tag and a length; leaves {@code at} on the content and returns where the content ends. */
    private static int enter(byte[] der, int[] at, int tag) throws GeneralSecurityException {
        if (at[0] + 2 > der.length || (der[at[0]] & 0xff) != tag) {
            throw new GeneralSecurityException("expected tag " + tag);
        }
        int first = der[at[0] + 1] & 0xff;
        int position = at[0] + 2;
        long length;
        if (first < 0x80) {
            length = first;
        } else {
            int bytes = first & 0x7f;
            if (bytes == 0 || bytes > 4 || position + bytes > der.length) {
                throw new GeneralSecurityException("bad length");
            }
            length = 0;
            for (int i = 0; i < bytes; i++) {
                length = length << 8 | (der[position + i] & 0xff);
            }
            position += bytes;
        }
        if (position + length > der.length) {
            throw new GeneralSecurityException("truncated");
        }
        at[0] = position;
        return (int) (position + length);
    }
}
