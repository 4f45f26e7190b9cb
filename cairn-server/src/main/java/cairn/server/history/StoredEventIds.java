package cairn.server.history;

import cairn.model.lookup.LookupAttribute;
import cairn.store.Entry;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.StampedLock;

import static java.util.Objects.requireNonNull;

/**
 * What spares the native endpoint's deduplication most of its index lookups: the EventId terms of the events stored
 * since the server started, in Bloom filters. A record whose EventId term no filter holds, and whose event time is
 * later than any event the filters may have forgotten (those stored before the start, and those of filters dropped
 * since), cannot be stored already; any other record is looked up in the index, as before.
 *
 * <p>Every append path must {@link #add} what it stores (the native endpoint, PutAuditEvents and Cairn's own audit
 * events) before it stores it. Each filter is blocked: a term sets {@value #PROBES} bits of one 64-bit word, so that
 * adding is one atomic OR and checking one read; at 16 bits a term, about 1 in 200 new terms is looked up needlessly.
 * The first filter holds {@value #FIRST_FILTER} terms (128 KB), each next one four times more, up to
 * {@value #PER_FILTER} (8 MB), so that memory follows use; past {@value #FILTERS} filters the oldest is dropped and its
 * latest event time becomes the horizon below which records are looked up. Thread-safe: adds share a lock that
 * dropping a filter takes alone; checks read without locking and retry if a filter was dropped meanwhile.
 */
public final class StoredEventIds {
    static final int PER_FILTER = 4 << 20;
    /** The first filter's size: each next one is four times larger, up to {@link #PER_FILTER}. */
    static final int FIRST_FILTER = 64 << 10;
    static final int FILTERS = 3;
    private static final int BITS_PER_TERM = 16;
    private static final int PROBES = 6;
    private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class,
            ByteOrder.LITTLE_ENDIAN);

    /** One blocked Bloom filter, and the latest event time of what it holds. */
    private static final class Filter {
        final long[] words;
        final int mask;
        final int capacity;
        final AtomicLong count = new AtomicLong();
        final AtomicLong latest = new AtomicLong(-1);

        Filter(int terms) {
            capacity = terms;
            int size = Integer.highestOneBit(Math.max(64, (int) Math.min(1 << 30,
                    (long) terms * BITS_PER_TERM / 64)) * 2 - 1);
            words = new long[size];
            mask = size - 1;
        }

        void add(long hash, long eventTime) {
            int word = (int) (hash >>> 40) & mask;
            long bits = bits(hash);
            if (((long) WORDS.getAcquire(words, word) & bits) != bits) {
                WORDS.getAndBitwiseOr(words, word, bits);
            }
            if (latest.get() < eventTime) {
                latest.accumulateAndGet(eventTime, Math::max);
            }
            count.incrementAndGet();
        }

        boolean mayHold(long hash) {
            long bits = bits(hash);
            return ((long) WORDS.getAcquire(words, (int) (hash >>> 40) & mask) & bits) == bits;
        }

        /** {@value #PROBES} bit positions from six 6-bit slices of the hash. */
        private static long bits(long hash) {
            long bits = 0;
            for (int i = 0; i < PROBES; i++) {
                bits |= 1L << ((hash >>> (6 * i)) & 63);
            }
            return bits;
        }
    }

    private final StampedLock lock = new StampedLock();
    private final int perFilter;
    private final int firstFilter;
    private volatile Filter[] filters;
    /** Records of this event time or earlier may be stored without any filter holding them. */
    private volatile long horizon;

    /** Filters for a store whose latest event time at start is {@code storedUpTo} (-1: empty). */
    public StoredEventIds(long storedUpTo) {
        this(storedUpTo, FIRST_FILTER, PER_FILTER);
    }

    StoredEventIds(long storedUpTo, int firstFilter, int perFilter) {
        this.horizon = storedUpTo;
        this.perFilter = perFilter;
        this.firstFilter = Math.min(firstFilter, perFilter);
        this.filters = new Filter[] {new Filter(this.firstFilter)};
    }

    /** Notes the EventId terms of entries about to be stored (noting one that is not stored after all is harmless). */
    public void add(List<Entry> entries) {
        int next = 0;
        while (next < entries.size()) {
            Filter full = null;
            long stamp = lock.readLock();
            try {
                Filter[] live = filters;
                Filter current = live[live.length - 1];
                for (; next < entries.size(); next++) {
                    if (current.count.get() >= current.capacity) {
                        full = current;
                        break;
                    }
                    Entry entry = entries.get(next);
                    byte[] term = eventIdTerm(entry.terms());
                    if (term != null) {
                        current.add(hash(term), entry.eventTime());
                    }
                }
            } finally {
                lock.unlockRead(stamp);
            }
            if (full != null) {
                startFilter(full);
            }
        }
    }

    /**
     * Whether no event with this EventId term can be stored: no filter holds it, and its event time is later than
     * anything forgotten. False means "look it up".
     */
    public boolean surelyNew(byte[] eventIdTerm, long eventTime) {
        long hash = hash(requireNonNull(eventIdTerm, "eventIdTerm is null"));
        long stamp = lock.tryOptimisticRead();
        boolean answer = surelyNew(hash, eventTime);
        if (lock.validate(stamp)) {
            return answer;
        }
        stamp = lock.readLock();
        try {
            return surelyNew(hash, eventTime);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    private boolean surelyNew(long hash, long eventTime) {
        Filter[] live = filters;
        if (eventTime <= horizon) {
            return false;
        }
        for (Filter filter : live) {
            if (filter.mayHold(hash)) {
                return false;
            }
        }
        return true;
    }

    /** Starts a new filter once {@code full} is; the oldest goes past {@value #FILTERS}, raising the horizon. */
    private void startFilter(Filter full) {
        long stamp = lock.writeLock();
        try {
            Filter[] live = filters;
            if (live[live.length - 1] != full) {
                return;
            }
            Filter[] next = Arrays.copyOf(live, live.length + 1);
            next[live.length] = new Filter((int) Math.min(perFilter, 4L * full.capacity));
            if (next.length > FILTERS) {
                horizon = Math.max(horizon, next[0].latest.get());
                next = Arrays.copyOfRange(next, 1, next.length);
            }
            filters = next;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** The EventId term among a record's terms: a term starts with its attribute's code. */
    public static byte[] eventIdTerm(List<byte[]> terms) {
        for (byte[] term : terms) {
            if (term[0] == (byte) LookupAttribute.EVENT_ID.code()) {
                return term;
            }
        }
        return null;
    }

    /** 64 bits of hash, eight bytes at a time, mixed with SplitMix64's finaliser. */
    private static long hash(byte[] bytes) {
        long hash = 0x9e3779b97f4a7c15L ^ bytes.length;
        int i = 0;
        for (; i + 8 <= bytes.length; i += 8) {
            hash = (hash ^ (long) LONGS.get(bytes, i)) * 0xbf58476d1ce4e5b9L;
            hash ^= hash >>> 29;
        }
        for (; i < bytes.length; i++) {
            hash = (hash ^ (bytes[i] & 0xff)) * 0x94d049bb133111ebL;
        }
        hash = (hash ^ (hash >>> 30)) * 0xbf58476d1ce4e5b9L;
        hash = (hash ^ (hash >>> 27)) * 0x94d049bb133111ebL;
        return hash ^ (hash >>> 31);
    }
}
