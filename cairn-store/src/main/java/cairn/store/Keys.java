package cairn.store;

/**
 * The sort key of the history: an event time in epoch seconds and a position inside a segment, packed in one long
 * so that ordering the longs orders by time, then by arrival.
 */
public final class Keys {
    public static final int POSITION_BITS = 30;
    public static final long MAX_POSITION = (1L << POSITION_BITS) - 1;
    /** Epoch seconds up to the year 2242. */
    public static final long MAX_TIME = (1L << (63 - POSITION_BITS)) - 1;

    private Keys() {
    }

    public static long of(long time, long position) {
        return (time << POSITION_BITS) | position;
    }

    public static long time(long key) {
        return key >>> POSITION_BITS;
    }

    public static int position(long key) {
        return (int) (key & MAX_POSITION);
    }
}
