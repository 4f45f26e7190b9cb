package cairn.delivery.validation;

import cairn.delivery.digest.DigestFile;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

class GzipCheckTest {
    private static final byte[] TEXT = "{\"Records\":[{\"eventName\":\"GetObject\"}]}".repeat(200)
            .getBytes(StandardCharsets.UTF_8);

    @Test
    void inflate_oneMember_isWholeWithTheHashOfItsBytes() {
        GzipCheck.Inflated inflated = GzipCheck.inflate(DigestFile.gzip(TEXT), true);
        assertThat(inflated.outcome()).isEqualTo(GzipCheck.Outcome.WHOLE);
        assertThat(inflated.sha256()).isEqualTo(DigestFile.sha256(TEXT));
        assertThat(inflated.bytes()).isEqualTo(TEXT);
    }

    @Test
    void inflate_notKept_hashesWithoutKeepingTheBytes() {
        GzipCheck.Inflated inflated = GzipCheck.inflate(DigestFile.gzip(TEXT), false);
        assertThat(inflated.sha256()).isEqualTo(DigestFile.sha256(TEXT));
        assertThat(inflated.bytes()).isEmpty();
    }

    @Test
    void inflate_secondMemberAppended_isTrailingData_hashOfTheFirstOnly() {
        byte[] twice = concat(DigestFile.gzip(TEXT), DigestFile.gzip("{\"Records\":[]}".getBytes()));
        GzipCheck.Inflated inflated = GzipCheck.inflate(twice, false);
        assertThat(inflated.outcome()).isEqualTo(GzipCheck.Outcome.TRAILING_DATA);
        assertThat(inflated.sha256()).isEqualTo(DigestFile.sha256(TEXT));
    }

    @Test
    void inflate_oneByteAfterTheTrailer_isTrailingData() {
        assertThat(GzipCheck.inflate(concat(DigestFile.gzip(TEXT), new byte[]{0}), false).outcome())
                .isEqualTo(GzipCheck.Outcome.TRAILING_DATA);
    }

    @Test
    void inflate_cutShort_hashesWhatThereIs_asAStreamingReaderDoes() {
        byte[] gzip = DigestFile.gzip(TEXT);
        GzipCheck.Inflated half = GzipCheck.inflate(Arrays.copyOf(gzip, gzip.length / 2), true);
        assertThat(half.outcome()).isEqualTo(GzipCheck.Outcome.CUT_SHORT);
        assertThat(half.sha256()).isEqualTo(DigestFile.sha256(half.bytes()));
        assertThat(half.bytes().length).isLessThan(TEXT.length);
        assertThat(GzipCheck.inflate(new byte[0], false).outcome()).isEqualTo(GzipCheck.Outcome.CUT_SHORT);
        assertThat(GzipCheck.inflate(new byte[0], false).sha256()).isEqualTo(DigestFile.sha256(new byte[0]));
        assertThat(GzipCheck.inflate(Arrays.copyOf(gzip, 6), false).outcome())
                .isEqualTo(GzipCheck.Outcome.CUT_SHORT);
    }

    @Test
    void inflate_trailerMissingOrCut_isNoTrailer_withTheWholeHash() {
        byte[] gzip = DigestFile.gzip(TEXT);
        for (int cut : new int[]{1, 4, 8}) {
            GzipCheck.Inflated inflated = GzipCheck.inflate(Arrays.copyOf(gzip, gzip.length - cut), false);
            assertThat(inflated.outcome()).as("trailer cut by %d", cut).isEqualTo(GzipCheck.Outcome.NO_TRAILER);
            assertThat(inflated.sha256()).isEqualTo(DigestFile.sha256(TEXT));
        }
    }

    @Test
    void inflate_corrupted_isNotGzip() {
        byte[] gzip = DigestFile.gzip(TEXT);
        byte[] badCrc = gzip.clone();
        badCrc[badCrc.length - 8] ^= 1;
        assertThat(GzipCheck.inflate(badCrc, false).outcome()).isEqualTo(GzipCheck.Outcome.NOT_GZIP);
        byte[] badSize = gzip.clone();
        badSize[badSize.length - 1] ^= 1;
        assertThat(GzipCheck.inflate(badSize, false).outcome()).isEqualTo(GzipCheck.Outcome.NOT_GZIP);
        byte[] badData = gzip.clone();
        badData[12] ^= 0x55;
        assertThat(GzipCheck.inflate(badData, false).outcome()).isEqualTo(GzipCheck.Outcome.NOT_GZIP);
    }

    @Test
    void inflate_headerWithNameCommentExtraAndHeaderCrc_isRead() throws IOException {
        byte[] plain = DigestFile.gzip(TEXT);
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        header.write(new byte[]{0x1f, (byte) 0x8b, 8, 4 | 8 | 16 | 2, 0, 0, 0, 0, 0, 3});
        header.write(new byte[]{3, 0, 'a', 'b', 'c'});
        header.write("name.json\0".getBytes(StandardCharsets.US_ASCII));
        header.write("a comment\0".getBytes(StandardCharsets.US_ASCII));
        header.write(new byte[]{0, 0});
        header.write(plain, 10, plain.length - 10);
        GzipCheck.Inflated inflated = GzipCheck.inflate(header.toByteArray(), false);
        assertThat(inflated.outcome()).isEqualTo(GzipCheck.Outcome.WHOLE);
        assertThat(inflated.sha256()).isEqualTo(DigestFile.sha256(TEXT));
    }

    private static byte[] zlib(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DeflaterOutputStream deflater = new DeflaterOutputStream(out, new Deflater())) {
            deflater.write(bytes);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[] one, byte[] other) {
        byte[] both = Arrays.copyOf(one, one.length + other.length);
        System.arraycopy(other, 0, both, one.length, other.length);
        return both;
    }
}
