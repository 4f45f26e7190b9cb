package cairn.delivery.validation;

import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Inflates a gzip file and hashes what it holds, checking it the whole way: header, deflate stream, CRC-32 and size
 * in the trailer, and that nothing follows the first member (a second member, which zlib-based readers such as the
 * AWS CLI's silently skip, is reported). Thread-safe; each call uses its own inflater and buffers.
 */
final class GzipCheck {
    private static final int FTEXT_MASK = 0xe0;
    private static final int FHCRC = 2;
    private static final int FEXTRA = 4;
    private static final int FNAME = 8;
    private static final int FCOMMENT = 16;
    private static final ThreadLocal<byte[]> BUFFERS = ThreadLocal.withInitial(() -> new byte[256 * 1024]);

    /**
     * What a gzip file turned out to be: one whole member; not gzip (a bad header, corrupt deflate data, a wrong CRC
     * or size); cut short before its deflate stream ends (zlib's streaming reader, the AWS CLI's, hashes what there
     * is and finds no error); whole but with its trailer missing or cut; one member and data after it.
     */
    enum Outcome { WHOLE, NOT_GZIP, CUT_SHORT, NO_TRAILER, TRAILING_DATA }

    /** The outcome, the lowercase hex SHA-256 of the inflated bytes (when whole or trailing), and those bytes if kept. */
    record Inflated(Outcome outcome, String sha256, byte[] bytes) {
    }

    private GzipCheck() {
    }

    /** Inflates {@code gzip}, hashing as it goes; keeps the inflated bytes when {@code keep} (digests). */
    static Inflated inflate(byte[] gzip, boolean keep) {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        int position = headerLength(gzip);
        if (position == CUT) {
            return new Inflated(Outcome.CUT_SHORT, HexFormat.of().formatHex(sha256.digest()), new byte[0]);
        }
        if (position < 0) {
            return new Inflated(Outcome.NOT_GZIP, "", new byte[0]);
        }
        CRC32 crc = new CRC32();
        ByteArrayOutputStream kept = keep ? new ByteArrayOutputStream(gzip.length * 4) : null;
        Inflater inflater = new Inflater(true);
        byte[] buffer = BUFFERS.get();
        long size = 0;
        int remaining;
        try {
            inflater.setInput(gzip, position, gzip.length - position);
            while (!inflater.finished()) {
                int count = inflater.inflate(buffer);
                if (count == 0 && inflater.needsDictionary()) {
                    return new Inflated(Outcome.NOT_GZIP, "", new byte[0]);
                }
                if (count == 0 && inflater.needsInput()) {
                    return new Inflated(Outcome.CUT_SHORT, HexFormat.of().formatHex(sha256.digest()),
                            kept == null ? new byte[0] : kept.toByteArray());
                }
                sha256.update(buffer, 0, count);
                crc.update(buffer, 0, count);
                if (kept != null) {
                    kept.write(buffer, 0, count);
                }
                size += count;
            }
            remaining = inflater.getRemaining();
        } catch (DataFormatException e) {
            return new Inflated(Outcome.NOT_GZIP, "", new byte[0]);
        } finally {
            inflater.end();
        }
        int trailer = gzip.length - remaining;
        String hash = HexFormat.of().formatHex(sha256.digest());
        byte[] bytes = kept == null ? new byte[0] : kept.toByteArray();
        if (remaining < 8) {
            int present = Math.min(remaining, 4);
            for (int i = 0; i < present; i++) {
                if ((gzip[trailer + i] & 0xff) != (int) (crc.getValue() >>> (8 * i) & 0xff)) {
                    return new Inflated(Outcome.NOT_GZIP, "", new byte[0]);
                }
            }
            return new Inflated(Outcome.NO_TRAILER, hash, bytes);
        }
        if (littleEndianInt(gzip, trailer) != (int) crc.getValue()
                || littleEndianInt(gzip, trailer + 4) != (int) size) {
            return new Inflated(Outcome.NOT_GZIP, "", new byte[0]);
        }
        return new Inflated(remaining > 8 ? Outcome.TRAILING_DATA : Outcome.WHOLE, hash, bytes);
    }

    /** {@link #headerLength}: the bytes end inside the header. */
    private static final int CUT = -2;

    /** Where the deflate stream starts; -1 when the header is not a gzip header, {@link #CUT} when it is cut. */
    private static int headerLength(byte[] gzip) {
        int[] fixed = {0x1f, 0x8b, 8};
        for (int i = 0; i < Math.min(fixed.length, gzip.length); i++) {
            if ((gzip[i] & 0xff) != fixed[i]) {
                return -1;
            }
        }
        if (gzip.length > 3 && (gzip[3] & FTEXT_MASK) != 0) {
            return -1;
        }
        if (gzip.length < 10) {
            return CUT;
        }
        int flags = gzip[3];
        int position = 10;
        if ((flags & FEXTRA) != 0) {
            if (position + 2 > gzip.length) {
                return CUT;
            }
            position += 2 + ((gzip[position] & 0xff) | (gzip[position + 1] & 0xff) << 8);
        }
        if ((flags & FNAME) != 0) {
            position = afterZero(gzip, position);
        }
        if ((flags & FCOMMENT) != 0 && position >= 0) {
            position = afterZero(gzip, position);
        }
        if ((flags & FHCRC) != 0 && position >= 0) {
            position += 2;
        }
        return position < 0 || position >= gzip.length ? CUT : position;
    }

    private static int afterZero(byte[] bytes, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                return i + 1;
            }
        }
        return CUT;
    }

    private static int littleEndianInt(byte[] bytes, int at) {
        return (bytes[at] & 0xff) | (bytes[at + 1] & 0xff) << 8 | (bytes[at + 2] & 0xff) << 16
                | (bytes[at + 3] & 0xff) << 24;
    }
}
