package cairn.store.segment;

import cairn.store.Entry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;

/** The frame layout: length, CRC-32C, flags, time, terms, body; and which bytes decode rejects. */
final class FrameTest {
    private static final int MAX = 1 << 20;

    @Test
    void size_isHeaderFlagsTimeTermCountTermsAndBody() {
        assertThat(Frame.size(new Entry(1, List.of(), new byte[0]))).isEqualTo(19);
        assertThat(Frame.size(new Entry(1, List.of(bytes("ab"), bytes("")), bytes("body")))).isEqualTo(19 + 4 + 2 + 4);
    }

    @Test
    void encode_writesTheDocumentedLayoutBigEndian() {
        Entry entry = new Entry(0x0102030405L, List.of(bytes("ab"), bytes("c")), bytes("xyz"));
        ByteBuffer out = ByteBuffer.allocate(64);
        out.position(5);

        Frame.encode(entry, true, out);

        assertThat(out.position()).isEqualTo(5 + Frame.size(entry));
        byte[] payload = {1, 0, 0, 0, 1, 2, 3, 4, 5, 0, 2, 0, 2, 'a', 'b', 0, 1, 'c', 'x', 'y', 'z'};
        CRC32C crc = new CRC32C();
        crc.update(payload);
        assertThat(out.getInt(5)).isEqualTo(payload.length);
        assertThat(out.getInt(9)).isEqualTo((int) crc.getValue());
        byte[] written = new byte[payload.length];
        out.get(13, written);
        assertThat(written).isEqualTo(payload);
    }

    @Test
    void encode_notLastOfBatch_clearsTheFlag() {
        ByteBuffer out = ByteBuffer.allocate(64);

        Frame.encode(new Entry(7, List.of(), bytes("x")), false, out);

        assertThat(out.get(8)).isZero();
        assertThat(Frame.decode(out, 0, out.position(), MAX).lastOfBatch()).isFalse();
    }

    @Test
    void decode_encodedFrame_givesBackTimeTermsAndBodyPosition() {
        Entry entry = new Entry(1_700_000_000L, List.of(bytes("user:alice"), new byte[0]), bytes("{}"));
        ByteBuffer out = ByteBuffer.allocate(128);
        Frame.encode(new Entry(1, List.of(), bytes("before")), false, out);
        int at = out.position();
        Frame.encode(entry, true, out);

        Frame.Decoded decoded = Frame.decode(out, at, out.position(), MAX);

        assertThat(decoded.lastOfBatch()).isTrue();
        assertThat(decoded.eventTime()).isEqualTo(1_700_000_000L);
        assertThat(decoded.terms()).containsExactly(bytes("user:alice"), new byte[0]);
        assertThat(decoded.end()).isEqualTo(out.position());
        assertThat(decoded.bodyStart()).isEqualTo(out.position() - 2);
    }

    @Test
    void decode_termOfMaximumLength_roundTrips() {
        byte[] term = new byte[Entry.MAX_TERM_BYTES];
        term[0] = (byte) 0xff;
        ByteBuffer out = ByteBuffer.allocate(8192);
        Frame.encode(new Entry(1, List.of(term), new byte[0]), true, out);

        assertThat(Frame.decode(out, 0, out.position(), MAX).terms()).containsExactly(term);
    }

    @Test
    void decode_everyCutShortOfTheWholeFrame_isRejected() {
        ByteBuffer out = ByteBuffer.allocate(64);
        Frame.encode(new Entry(9, List.of(bytes("t")), bytes("body")), true, out);
        int whole = out.position();

        for (int limit = 0; limit < whole; limit++) {
            assertThat(Frame.decode(out, 0, limit, MAX)).as("limit " + limit).isNull();
        }
        assertThat(Frame.decode(out, 0, whole, MAX)).isNotNull();
    }

    @Test
    void decode_anySingleByteChanged_isRejected() {
        ByteBuffer out = ByteBuffer.allocate(64);
        Frame.encode(new Entry(9, List.of(bytes("term")), bytes("body")), true, out);
        int whole = out.position();

        for (int at = 0; at < whole; at++) {
            for (int bit = 0; bit < 8; bit++) {
                ByteBuffer changed = copy(out, whole);
                changed.put(at, (byte) (changed.get(at) ^ (1 << bit)));
                assertThat(Frame.decode(changed, 0, whole, MAX)).as("byte " + at + " bit " + bit).isNull();
            }
        }
    }

    @ParameterizedTest(name = "payload length {0}")
    @ValueSource(ints = {0, 10, -1, Integer.MIN_VALUE})
    void decode_payloadTooShortForTheFixedFields_isRejected(int payloadLength) {
        ByteBuffer file = ByteBuffer.allocate(64);
        file.putInt(0, payloadLength);

        assertThat(Frame.decode(file, 0, 64, MAX)).isNull();
    }

    @Test
    void decode_payloadLongerThanTheLimit_isRejectedEvenWhenIntact() {
        ByteBuffer out = ByteBuffer.allocate(64);
        Frame.encode(new Entry(9, List.of(), bytes("12345")), true, out);

        assertThat(Frame.decode(out, 0, out.position(), 16)).isNotNull();
        assertThat(Frame.decode(out, 0, out.position(), 15)).isNull();
    }

    @Test
    void decode_termsRunningPastThePayload_isRejectedEvenWithAValidChecksum() {
        // Flags, time, two terms announced, only one present.
        byte[] payload = {1, 0, 0, 0, 0, 0, 0, 0, 9, 0, 2, 0, 1, 'a'};
        assertThat(Frame.decode(frameOf(payload), 0, 8 + payload.length, MAX)).isNull();
        // One term whose length runs past the payload.
        byte[] longTerm = {1, 0, 0, 0, 0, 0, 0, 0, 9, 0, 1, 0, 5, 'a'};
        assertThat(Frame.decode(frameOf(longTerm), 0, 8 + longTerm.length, MAX)).isNull();
        // A term length cut in half.
        byte[] halfLength = {1, 0, 0, 0, 0, 0, 0, 0, 9, 0, 1, 0};
        assertThat(Frame.decode(frameOf(halfLength), 0, 8 + halfLength.length, MAX)).isNull();
    }

    private static ByteBuffer frameOf(byte[] payload) {
        CRC32C crc = new CRC32C();
        crc.update(payload);
        return ByteBuffer.allocate(8 + payload.length).putInt(payload.length).putInt((int) crc.getValue())
                .put(payload).flip();
    }

    private static ByteBuffer copy(ByteBuffer buffer, int length) {
        ByteBuffer copy = ByteBuffer.allocate(length);
        copy.put(buffer.duplicate().position(0).limit(length));
        return copy.flip();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
