package cairn.delivery.logfile;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class GzipLogFileTest {
    private final ExecutorService compressors = Executors.newFixedThreadPool(2);

    @TempDir
    Path folder;

    @AfterEach
    void stopCompressors() throws InterruptedException {
        compressors.shutdown();
        assertThat(compressors.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** A record of about {@code size} bytes with text that does not compress to nothing (fixed seed). */
    private static byte[] record(int number, int size, Random random) {
        String head = "{\"eventID\":\"" + number + "\",\"eventName\":\"GetObject\",\"padding\":\"";
        StringBuilder text = new StringBuilder(size + 64).append(head);
        String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 /-_.é";
        while (text.length() < size - 2) {
            text.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return bytes(text.append("\"}").toString());
    }

    private static byte[] expectedText(List<byte[]> records) {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        text.writeBytes(bytes("{\"Records\":["));
        for (int i = 0; i < records.size(); i++) {
            if (i > 0) {
                text.write(',');
            }
            text.writeBytes(records.get(i));
        }
        text.writeBytes(bytes("]}"));
        return text.toByteArray();
    }

    private GzipLogFile.Finished write(int level, List<byte[]> records) {
        return write(level, records, compressors);
    }

    private static GzipLogFile.Finished write(int level, List<byte[]> records, ExecutorService executor) {
        GzipLogFile file = new GzipLogFile(level, executor);
        records.forEach(file::add);
        return file.finish();
    }

    private static byte[] gunzip(byte[] gzip) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip))) {
            return in.readAllBytes();
        }
    }

    /** Inflates the one deflate stream after the 10-byte header; returns what is left after it (the trailer). */
    private static int bytesAfterTheDeflateStream(byte[] gzip, byte[] expected) throws DataFormatException {
        Inflater inflater = new Inflater(true);
        try {
            inflater.setInput(gzip, 10, gzip.length - 10);
            byte[] out = new byte[expected.length + 1];
            int used = 0;
            while (!inflater.finished() && used < out.length) {
                int count = inflater.inflate(out, used, out.length - used);
                if (count == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                used += count;
            }
            assertThat(inflater.finished()).isTrue();
            assertThat(Arrays.copyOf(out, used)).isEqualTo(expected);
            return inflater.getRemaining();
        } finally {
            inflater.end();
        }
    }

    private static List<byte[]> manyRecords(int count, int size) {
        Random random = new Random(42);
        List<byte[]> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            records.add(record(i, size + random.nextInt(200), random));
        }
        return records;
    }

    @Test
    void finish_twoRecords_inflatesToTheWrappedRecords() throws IOException {
        byte[] first = bytes("{\"eventID\":\"a\",\"eventName\":\"RunInstances\"}");
        byte[] second = bytes("{\"eventID\":\"b\",\"note\":\"café ☕\"}");
        GzipLogFile.Finished finished = write(6, List.of(first, second));
        byte[] expected = bytes("{\"Records\":[{\"eventID\":\"a\",\"eventName\":\"RunInstances\"},"
                + "{\"eventID\":\"b\",\"note\":\"café ☕\"}]}");
        assertThat(gunzip(finished.bytes())).isEqualTo(expected);
        assertThat(finished.uncompressedBytes()).isEqualTo(expected.length);
        assertThat(finished.records()).isEqualTo(2);
    }

    @Test
    void finish_noRecords_inflatesToAnEmptyList() throws IOException {
        GzipLogFile.Finished finished = write(6, List.of());
        assertThat(new String(gunzip(finished.bytes()), StandardCharsets.UTF_8)).isEqualTo("{\"Records\":[]}");
        assertThat(finished.uncompressedBytes()).isEqualTo(14);
        assertThat(finished.records()).isZero();
    }

    @Test
    void finish_header_hasNoTimeNoNameAndUnknownOs() {
        byte[] gzip = write(6, List.of(bytes("{}"))).bytes();
        assertThat(Arrays.copyOf(gzip, 10))
                .containsExactly(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff);
    }

    @Test
    void finish_trailer_holdsTheCrcAndSizeOfTheText() {
        List<byte[]> records = manyRecords(50, 400);
        byte[] gzip = write(6, records).bytes();
        byte[] text = expectedText(records);
        CRC32 crc = new CRC32();
        crc.update(text);
        int length = gzip.length;
        long storedCrc = littleEndian(gzip, length - 8);
        long storedSize = littleEndian(gzip, length - 4);
        assertThat(storedCrc).isEqualTo(crc.getValue());
        assertThat(storedSize).isEqualTo(text.length);
    }

    private static long littleEndian(byte[] bytes, int at) {
        return (bytes[at] & 0xffL) | (bytes[at + 1] & 0xffL) << 8 | (bytes[at + 2] & 0xffL) << 16
                | (bytes[at + 3] & 0xffL) << 24;
    }

    @Test
    void finish_fiveMegabytesOfRecords_inflatesExactlyAsOneDeflateStream() throws Exception {
        List<byte[]> records = manyRecords(5 * 1024, 1000);
        byte[] expected = expectedText(records);
        assertThat(expected.length).isGreaterThan(5 * GzipLogFile.CHUNK_BYTES);
        GzipLogFile.Finished finished = write(6, records);
        assertThat(gunzip(finished.bytes())).isEqualTo(expected);
        assertThat(finished.uncompressedBytes()).isEqualTo(expected.length);
        assertThat(finished.records()).isEqualTo(records.size());
        // One member: the deflate stream ends exactly where the 8-byte trailer begins.
        assertThat(bytesAfterTheDeflateStream(finished.bytes(), expected)).isEqualTo(8);
    }

    @Test
    void finish_recordLargerThanAChunk_inflatesExactly() throws Exception {
        Random random = new Random(7);
        List<byte[]> records = List.of(record(0, 300, random), record(1, GzipLogFile.CHUNK_BYTES * 3 / 2, random),
                record(2, 300, random));
        byte[] expected = expectedText(records);
        GzipLogFile.Finished finished = write(6, records);
        assertThat(gunzip(finished.bytes())).isEqualTo(expected);
        assertThat(bytesAfterTheDeflateStream(finished.bytes(), expected)).isEqualTo(8);
    }

    @Test
    void finish_textOfExactlyOneChunk_inflatesExactly() throws Exception {
        // {"Records":[ is 12 bytes and ]} 2: a record of CHUNK_BYTES - 14 fills the first chunk to the byte.
        byte[] record = new byte[GzipLogFile.CHUNK_BYTES - 14];
        Random random = new Random(3);
        for (int i = 0; i < record.length; i++) {
            record[i] = (byte) ('a' + random.nextInt(26));
        }
        System.arraycopy(bytes("{\"p\":\""), 0, record, 0, 6);
        record[record.length - 2] = '"';
        record[record.length - 1] = '}';
        byte[] expected = expectedText(List.of(record));
        assertThat(expected.length).isEqualTo(GzipLogFile.CHUNK_BYTES);
        GzipLogFile.Finished finished = write(6, List.of(record));
        assertThat(gunzip(finished.bytes())).isEqualTo(expected);
        assertThat(bytesAfterTheDeflateStream(finished.bytes(), expected)).isEqualTo(8);
    }

    @Test
    void finish_sameRecordsTwice_givesIdenticalBytes() {
        List<byte[]> records = manyRecords(3 * 1024, 1000);
        byte[] first = write(6, records).bytes();
        byte[] second = write(6, records).bytes();
        assertThat(second).isEqualTo(first);
    }

    @Test
    void finish_anotherNumberOfThreads_givesIdenticalBytes() throws InterruptedException {
        List<byte[]> records = manyRecords(3 * 1024, 1000);
        ExecutorService single = Executors.newSingleThreadExecutor();
        ExecutorService four = Executors.newFixedThreadPool(4);
        try {
            byte[] withOne = write(6, records, single).bytes();
            byte[] withFour = write(6, records, four).bytes();
            assertThat(withFour).isEqualTo(withOne);
            assertThat(write(6, records).bytes()).isEqualTo(withOne);
        } finally {
            single.shutdown();
            four.shutdown();
            assertThat(single.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
            assertThat(four.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 9})
    void finish_atLevel_inflatesExactly(int level) throws Exception {
        List<byte[]> records = manyRecords(2 * 1024, 1000);
        byte[] expected = expectedText(records);
        GzipLogFile.Finished finished = write(level, records);
        assertThat(gunzip(finished.bytes())).isEqualTo(expected);
        assertThat(bytesAfterTheDeflateStream(finished.bytes(), expected)).isEqualTo(8);
        assertThat(write(level, records).bytes()).isEqualTo(finished.bytes());
    }

    @Test
    void finish_level9_isNoLargerThanLevel1() {
        List<byte[]> records = manyRecords(2 * 1024, 1000);
        assertThat(write(9, records).bytes().length).isLessThanOrEqualTo(write(1, records).bytes().length);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 10, -1})
    void constructor_levelOutOfRange_isRefused(int level) {
        assertThatThrownBy(() -> new GzipLogFile(level, compressors))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("gzip level must be 1 to 9, not " + level);
    }

    @Test
    void finish_readByPython_isOneMemberWithNothingLeft() throws Exception {
        List<byte[]> records = manyRecords(3 * 1024, 1000);
        byte[] expected = expectedText(records);
        Path gzip = folder.resolve("file.json.gz");
        Path inflated = folder.resolve("file.json");
        Files.write(gzip, write(6, records).bytes());
        // What the AWS CLI's validate-logs does: zlib in gzip mode, which stops after the first member.
        String script = """
                import gzip, sys, zlib
                data = open(sys.argv[1], 'rb').read()
                whole = gzip.decompress(data)
                inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
                first = inflater.decompress(data)
                open(sys.argv[2], 'wb').write(first)
                print(len(whole), len(first), whole == first, inflater.eof, len(inflater.unused_data))
                """;
        Process python = new ProcessBuilder("python3", "-c", script, gzip.toString(), inflated.toString())
                .redirectErrorStream(true).start();
        String output = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(python.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(python.exitValue()).as(output).isZero();
        assertThat(output).isEqualTo(expected.length + " " + expected.length + " True True 0");
        assertThat(Files.readAllBytes(inflated)).isEqualTo(expected);
    }

    @Test
    void sizeWith_eachRecord_accountsForCommaAndBrackets() {
        GzipLogFile file = new GzipLogFile(6, compressors);
        assertThat(file.size()).isEqualTo(12);
        assertThat(file.sizeWith(10)).isEqualTo(12 + 10 + 2);
        file.add(new byte[]{'{', '"', 'a', '"', ':', '1', '2', '3', '4', '}'});
        assertThat(file.size()).isEqualTo(22);
        assertThat(file.records()).isEqualTo(1);
        assertThat(file.sizeWith(5)).isEqualTo(22 + 1 + 5 + 2);
        file.add(bytes("{\"b\"}"));
        assertThat(file.size()).isEqualTo(28);
        assertThat(file.records()).isEqualTo(2);
        GzipLogFile.Finished finished = file.finish();
        assertThat(finished.uncompressedBytes()).isEqualTo(30);
    }

    @Test
    void sizeWith_lastRecord_predictsTheFinishedSize() {
        List<byte[]> records = manyRecords(100, 300);
        GzipLogFile file = new GzipLogFile(6, compressors);
        long predicted = 0;
        for (byte[] record : records) {
            predicted = file.sizeWith(record.length);
            file.add(record);
        }
        assertThat(file.finish().uncompressedBytes()).isEqualTo(predicted)
                .isEqualTo(expectedText(records).length);
    }
}
