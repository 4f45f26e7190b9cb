package cairn.store;

/**
 * A place in the history's order: newest first by event time, then by offset, newest first. Used to resume a query
 * after the last entry returned.
 */
public record Position(long eventTime, long offset) implements Comparable<Position> {
    public Position {
        if (eventTime < 0 || offset < 0) {
            throw new IllegalArgumentException("negative position: " + eventTime + "/" + offset);
        }
    }

    /** Orders as the history does: a position that is returned earlier compares greater. */
    @Override
    public int compareTo(Position other) {
        int byTime = Long.compare(eventTime, other.eventTime);
        return byTime != 0 ? byTime : Long.compare(offset, other.offset);
    }
}
