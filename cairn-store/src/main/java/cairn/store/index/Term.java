package cairn.store.index;

import java.util.Arrays;

/** An index term: bytes compared by value, with a 64-bit hash that orders the term table of a sealed index. */
public final class Term implements Comparable<Term> {
    private final byte[] bytes;
    private final long hash;

    public Term(byte[] bytes) {
        this(bytes, hash(bytes, 0, bytes.length));
    }

    /** A term whose hash was computed before ({@link #hash(byte[], int, int)} of the same bytes). */
    Term(byte[] bytes, long hash) {
        this.bytes = bytes;
        this.hash = hash;
    }

    public byte[] bytes() {
        return bytes;
    }

    public long hash() {
        return hash;
    }

    /** FNV-1a over the bytes, then a final avalanche so that similar terms spread over the table. */
    public static long hash(byte[] data, int from, int length) {
        long h = 0xcbf29ce484222325L;
        for (int i = from; i < from + length; i++) {
            h ^= data[i] & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    @Override
    public int compareTo(Term other) {
        int byHash = Long.compare(hash, other.hash);
        return byHash != 0 ? byHash : Arrays.compare(bytes, other.bytes);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Term term && hash == term.hash && Arrays.equals(bytes, term.bytes);
    }

    @Override
    public int hashCode() {
        return (int) hash;
    }
}
