package cairn.delivery.logfile;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * One log file being built: {@code {"Records":[r1,r2,...]}} with each record's bytes as stored, gzip-compressed as
 * one member. The text is cut into chunks of {@link #CHUNK_BYTES} that are compressed in parallel on an executor,
 * each primed with the 32 KB of text before it and ended with a sync flush, so that their concatenation, closed by an
 * empty final block, is a single deflate stream (the way pigz works). The bytes depend only on the records and the
 * level: the chunking is fixed, and the gzip header carries no time or name. Not thread-safe.
 */
public final class GzipLogFile {
    public static final int CHUNK_BYTES = 1 << 20;
    private static final int DICTIONARY_BYTES = 32 * 1024;
    private static final byte[] OPEN = "{\"Records\":[".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CLOSE = "]}".getBytes(StandardCharsets.US_ASCII);
    /** ID1 ID2, deflate, no flags, no modification time, no extra flags, unknown OS. */
    private static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};
    /** A final fixed-Huffman block holding only its end code. */
    private static final byte[] FINAL_EMPTY_BLOCK = {3, 0};
    private static final ThreadLocal<Deflater[]> DEFLATERS = ThreadLocal.withInitial(() -> new Deflater[10]);

    private final int level;
    private final Executor compressors;
    private final CRC32 crc = new CRC32();
    private final MessageDigest sha256;
    private final List<CompletableFuture<byte[]>> chunks = new ArrayList<>();
    private byte[] chunk = new byte[CHUNK_BYTES];
    private int chunkLength;
    private byte[] previous;
    private long size;
    private int records;

    /** A file compressed at {@code level} (1 to 9), its chunks on {@code compressors}. */
    public GzipLogFile(int level, Executor compressors) {
        if (level < 1 || level > 9) {
            throw new IllegalArgumentException("gzip level must be 1 to 9, not " + level);
        }
        this.level = level;
        this.compressors = compressors;
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        write(OPEN, 0, OPEN.length);
    }

    /** The uncompressed size the file has with {@code record} added and the file closed. */
    public long sizeWith(int recordBytes) {
        return size + (records > 0 ? 1 : 0) + recordBytes + CLOSE.length;
    }

    public void add(byte[] record) {
        if (records > 0) {
            write(new byte[]{','}, 0, 1);
        }
        write(record, 0, record.length);
        records++;
    }

    public int records() {
        return records;
    }

    /** The uncompressed bytes so far, without the closing {@code ]}}. */
    public long size() {
        return size;
    }

    /** Closes the JSON, waits for every chunk and returns the whole gzip file. The builder is spent after. */
    public Finished finish() {
        write(CLOSE, 0, CLOSE.length);
        submit();
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 64, size / 4 + 64));
        out.writeBytes(HEADER);
        for (CompletableFuture<byte[]> compressed : chunks) {
            out.writeBytes(compressed.join());
        }
        out.writeBytes(FINAL_EMPTY_BLOCK);
        writeIntLittleEndian(out, (int) crc.getValue());
        writeIntLittleEndian(out, (int) size);
        return new Finished(out.toByteArray(), size, records, HexFormat.of().formatHex(sha256.digest()));
    }

    /**
     * A finished file: its gzip bytes, its uncompressed size, its number of records and the lowercase hex SHA-256 of
     * its uncompressed bytes (what a digest lists).
     */
    public record Finished(byte[] bytes, long uncompressedBytes, int records, String sha256) {
    }

    private void write(byte[] bytes, int offset, int length) {
        crc.update(bytes, offset, length);
        sha256.update(bytes, offset, length);
        size += length;
        while (length > 0) {
            int room = chunk.length - chunkLength;
            int taken = Math.min(room, length);
            System.arraycopy(bytes, offset, chunk, chunkLength, taken);
            chunkLength += taken;
            offset += taken;
            length -= taken;
            if (chunkLength == chunk.length) {
                submit();
            }
        }
    }

    private void submit() {
        if (chunkLength == 0) {
            return;
        }
        byte[] data = chunk;
        int length = chunkLength;
        byte[] dictionary = previous;
        chunks.add(CompletableFuture.supplyAsync(() -> compress(data, length, dictionary, level), compressors));
        previous = data;
        chunk = new byte[CHUNK_BYTES];
        chunkLength = 0;
    }

    /** Raw deflate of one chunk, primed with the end of the previous one, ending byte-aligned and not final. */
    private static byte[] compress(byte[] data, int length, byte[] dictionary, int level) {
        Deflater[] perLevel = DEFLATERS.get();
        Deflater deflater = perLevel[level];
        if (deflater == null) {
            deflater = new Deflater(level, true);
            perLevel[level] = deflater;
        }
        deflater.reset();
        if (dictionary != null) {
            deflater.setDictionary(dictionary, dictionary.length - DICTIONARY_BYTES, DICTIONARY_BYTES);
        }
        deflater.setInput(data, 0, length);
        byte[] out = new byte[length / 3 + 1024];
        int used = 0;
        while (true) {
            int count = deflater.deflate(out, used, out.length - used, Deflater.SYNC_FLUSH);
            used += count;
            if (used < out.length) {
                break;
            }
            out = java.util.Arrays.copyOf(out, out.length * 2);
        }
        return java.util.Arrays.copyOf(out, used);
    }

    private static void writeIntLittleEndian(ByteArrayOutputStream out, int value) {
        out.write(value);
        out.write(value >>> 8);
        out.write(value >>> 16);
        out.write(value >>> 24);
    }
}
