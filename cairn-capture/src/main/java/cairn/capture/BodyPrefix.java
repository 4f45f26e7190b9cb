package cairn.capture;

import java.util.Arrays;

/**
 * The first bytes of a body as it streams by, up to a limit (plus one byte, so that a body just over the limit is seen
 * to be), and the whole body's length. Not thread-safe: one per body.
 */
public final class BodyPrefix {
    private final int limit;
    private byte[] bytes = new byte[256];
    private int kept;
    private long length;

    public BodyPrefix(int limit) {
        this.limit = limit + 1;
    }

    public void add(int b) {
        if (kept < limit) {
            grow(kept + 1);
            bytes[kept++] = (byte) b;
        }
        length++;
    }

    public void add(byte[] buffer, int offset, int count) {
        int take = Math.min(count, limit - kept);
        if (take > 0) {
            grow(kept + take);
            System.arraycopy(buffer, offset, bytes, kept, take);
            kept += take;
        }
        length += count;
    }

    private void grow(int needed) {
        if (needed > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.min(limit, Math.max(needed, bytes.length * 2)));
        }
    }

    public byte[] bytes() {
        return Arrays.copyOf(bytes, kept);
    }

    /** The whole body's length so far. */
    public long length() {
        return length;
    }
}
