package cairn.store.segment;

import cairn.store.Entry;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * How one record is laid out in a segment file, all numbers big-endian:
 * <pre>
 * int    payload length
 * int    CRC-32C of the payload
 * payload:
 *   byte   flags (bit 0: the last record of the batch it was appended with)
 *   long   event time, epoch seconds
 *   short  term count, then per term: short length, bytes
 *   body   the rest of the payload, as received
 * </pre>
 * A batch is acknowledged only once all its frames are on disk, so recovery keeps a batch only when the frame
 * flagged as its last is intact.
 */
public final class Frame {
    public static final int HEADER_BYTES = 8;
    /**
     * The largest payload the format allows (a segment holds at most 1 GiB). Reading checks frames against this,
     * not against the limit on appends, so lowering that limit never makes acknowledged records look corrupt.
     */
    public static final int MAX_PAYLOAD_BYTES = 1 << 30;
    static final byte LAST_OF_BATCH = 1;

    private Frame() {
    }

    public static int size(Entry entry) {
        int size = HEADER_BYTES + 1 + 8 + 2;
        for (byte[] term : entry.terms()) {
            size += 2 + term.length;
        }
        return size + entry.body().length;
    }

    /** Writes the frame at the buffer's position and advances it. */
    public static void encode(Entry entry, boolean lastOfBatch, ByteBuffer out) {
        int start = out.position();
        int payloadLength = size(entry) - HEADER_BYTES;
        out.putInt(payloadLength);
        out.putInt(0);
        int payloadStart = out.position();
        out.put(lastOfBatch ? LAST_OF_BATCH : 0);
        out.putLong(entry.eventTime());
        out.putShort((short) entry.terms().size());
        for (byte[] term : entry.terms()) {
            out.putShort((short) term.length);
            out.put(term);
        }
        out.put(entry.body());
        CRC32C crc = new CRC32C();
        crc.update(out.duplicate().position(payloadStart).limit(out.position()));
        out.putInt(start + 4, (int) crc.getValue());
    }

    /**
     * Reads the frame at {@code at}; empty when the bytes there are not a whole, intact frame (torn or corrupt).
     */
    static Decoded decode(ByteBuffer file, int at, int limit, int maxFrameBytes) {
        return decode(file, at, limit, maxFrameBytes, true);
    }

    /** As {@link #decode(ByteBuffer, int, int, int)}, with the terms left in the buffer when {@code withTerms} is off. */
    static Decoded decode(ByteBuffer file, int at, int limit, int maxFrameBytes, boolean withTerms) {
        if (limit - at < HEADER_BYTES) {
            return null;
        }
        int payloadLength = file.getInt(at);
        if (payloadLength < 11 || payloadLength > maxFrameBytes || payloadLength > limit - at - HEADER_BYTES) {
            return null;
        }
        int payloadStart = at + HEADER_BYTES;
        CRC32C crc = new CRC32C();
        crc.update(file.duplicate().position(payloadStart).limit(payloadStart + payloadLength));
        if ((int) crc.getValue() != file.getInt(at + 4)) {
            return null;
        }
        byte flags = file.get(payloadStart);
        long eventTime = file.getLong(payloadStart + 1);
        int termCount = Short.toUnsignedInt(file.getShort(payloadStart + 9));
        int cursor = payloadStart + 11;
        int payloadEnd = payloadStart + payloadLength;
        List<byte[]> terms = withTerms ? new ArrayList<>(termCount) : List.of();
        for (int i = 0; i < termCount; i++) {
            if (cursor + 2 > payloadEnd) {
                return null;
            }
            int length = Short.toUnsignedInt(file.getShort(cursor));
            cursor += 2;
            if (cursor + length > payloadEnd) {
                return null;
            }
            if (withTerms) {
                byte[] term = new byte[length];
                file.get(cursor, term);
                terms.add(term);
            }
            cursor += length;
        }
        return new Decoded((flags & LAST_OF_BATCH) != 0, eventTime, terms, cursor, payloadEnd);
    }

    /** A decoded frame: where its body lies in the buffer it was read from, and where the frame ends. */
    record Decoded(boolean lastOfBatch, long eventTime, List<byte[]> terms, int bodyStart, int end) {
    }
}
