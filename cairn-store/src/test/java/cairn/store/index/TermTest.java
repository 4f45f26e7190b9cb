package cairn.store.index;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Terms are compared by value and ordered by hash, then bytes. */
final class TermTest {
    @Test
    void equals_sameBytesInDifferentArrays_isEqualWithTheSameHash() {
        Term one = term("user:alice");
        Term other = term("user:alice");

        assertThat(one).isEqualTo(other).hasSameHashCodeAs(other);
        assertThat(one.hash()).isEqualTo(other.hash());
        assertThat(one.compareTo(other)).isZero();
    }

    @Test
    void equals_differentBytes_isNotEqual() {
        assertThat(term("user:alice")).isNotEqualTo(term("user:alicf"));
        assertThat(term("")).isNotEqualTo(new Term(new byte[1]));
    }

    @Test
    void hash_overARangeOfAnArray_isTheHashOfThoseBytes() {
        byte[] data = "xxuser:alicexx".getBytes(StandardCharsets.UTF_8);

        assertThat(Term.hash(data, 2, 10)).isEqualTo(term("user:alice").hash());
    }

    @Test
    void hash_similarTerms_differ() {
        assertThat(term("user:1").hash()).isNotEqualTo(term("user:2").hash());
        assertThat(term("ab").hash()).isNotEqualTo(term("ba").hash());
    }

    @Test
    void compareTo_ordersByHashFirst() {
        Term first = term("a");
        Term second = term("b");
        int byHash = Long.compare(first.hash(), second.hash());

        assertThat(Integer.signum(first.compareTo(second))).isEqualTo(Integer.signum(byHash));
        assertThat(Integer.signum(second.compareTo(first))).isEqualTo(-Integer.signum(byHash));
    }

    private static Term term(String text) {
        return new Term(text.getBytes(StandardCharsets.UTF_8));
    }
}
