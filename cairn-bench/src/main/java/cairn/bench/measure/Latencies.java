package cairn.bench.measure;

import java.util.Arrays;
import java.util.List;

/** Latencies in nanoseconds, recorded by one thread, merged afterwards; percentiles by sorting. Not thread-safe. */
public final class Latencies {
    private long[] values = new long[1 << 14];
    private int size;

    public void record(long nanos) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = nanos;
    }

    public int count() {
        return size;
    }

    public static Latencies merge(List<Latencies> parts) {
        Latencies all = new Latencies();
        int total = parts.stream().mapToInt(Latencies::count).sum();
        all.values = new long[Math.max(1, total)];
        for (Latencies part : parts) {
            System.arraycopy(part.values, 0, all.values, all.size, part.size);
            all.size += part.size;
        }
        Arrays.sort(all.values, 0, all.size);
        return all;
    }

    /** The {@code fraction} quantile (0.5 = median) in milliseconds, of a merged (sorted) set. */
    public double percentileMillis(double fraction) {
        if (size == 0) {
            return Double.NaN;
        }
        int index = (int) Math.min(size - 1, Math.ceil(fraction * size) - 1);
        return values[Math.max(0, index)] / 1e6;
    }
}
