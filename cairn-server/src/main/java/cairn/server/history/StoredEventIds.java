package cairn.server.history;

import cairn.model.lookup.LookupAttribute;
import cairn.store.Entry;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import static java.util.Objects.requireNonNull;

/**
 * What spares the native endpoint's deduplication most of its index lookups: the EventId terms of the events stored
 * since the server started, in Bloom filters. A record whose EventId term no filter holds, and whose event time is
 * later than any event the filters may have forgotten (those stored before the start, and those of filters dropped
 * since), cannot be stored already; any other record is looked up in the index, as before.
 *
 * <p>Every append path must {@link #add} what it stores (the native endpoint, PutAuditEvents and Cairn's own audit
 * events), before the reservations of the IDs it checked are given back. Filters hold {@value #PER_FILTER} terms
 * each at about 1% false positives (10 bits and 7 probes a term, 5 MB); past {@value #FILTERS} of them the oldest is
 * dropped and its latest event time becomes the horizon below which records are looked up. Thread-safe.
 */
public final class StoredEventIds {
    static final int PER_FILTER = 4 << 20;
    static final int FILTERS = 3;
    private static final int BITS_PER_TERM = 10;
    private static final int PROBES = 7;

    /** One Bloom filter, and the latest event time of what it holds. */
    private static final class Filter {
        final AtomicLongArray bits;
        final AtomicLong count = new AtomicLong();
        final AtomicLong latest = new AtomicLong(-1);

        Filter(int terms) {
            bits = new AtomicLongArray(Math.max(1, (int) ((long) terms * BITS_PER_TERM / 64)));
        }

        void add(long hash, long eventTime) {
            long size = bits.length() * 64L;
            int h1 = (int) hash;
            int h2 = (int) (hash >>> 32);
            for (int i = 0; i < PROBES; i++) {
                long bit = Integer.toUnsignedLong(h1 + i * h2) % size;
                long mask = 1L << (bit & 63);
                int word = (int) (bit >>> 6);
                if ((bits.get(word) & mask) == 0) {
                    bits.getAndAccumulate(word, mask, (current, add) -> current | add);
                }
            }
            latest.accumulateAndGet(eventTime, Math::max);
            count.incrementAndGet();
        }

        boolean mayHold(long hash) {
            long size = bits.length() * 64L;
            int h1 = (int) hash;
            int h2 = (int) (hash >>> 32);
            for (int i = 0; i < PROBES; i++) {
                long bit = Integer.toUnsignedLong(h1 + i * h2) % size;
                if ((bits.get((int) (bit >>> 6)) & (1L << (bit & 63))) == 0) {
                    return false;
                }
            }
            return true;
        }
    }

    /** Guards the list of filters and the horizon: shared by adds and checks, exclusive to drop a filter. */
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final int perFilter;
    private final List<Filter> filters = new ArrayList<>();
    /** Records of this event time or earlier may be stored without any filter holding them. */
    private long horizon;

    /** Filters for a store whose latest event time at start is {@code storedUpTo} (-1: empty). */
    public StoredEventIds(long storedUpTo) {
        this(storedUpTo, PER_FILTER);
    }

    StoredEventIds(long storedUpTo, int perFilter) {
        this.horizon = storedUpTo;
        this.perFilter = perFilter;
        filters.add(new Filter(perFilter));
    }

    /** Notes the EventId terms of entries about to be stored (noting one that is not stored after all is harmless). */
    public void add(List<Entry> entries) {
        int next = 0;
        while (next < entries.size()) {
            Filter full = null;
            lock.readLock().lock();
            try {
                Filter current = filters.getLast();
                for (; next < entries.size(); next++) {
                    if (current.count.get() >= perFilter) {
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
                lock.readLock().unlock();
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
        lock.readLock().lock();
        try {
            if (eventTime <= horizon) {
                return false;
            }
            for (Filter filter : filters) {
                if (filter.mayHold(hash)) {
                    return false;
                }
            }
            return true;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Starts a new filter once {@code full} is; the oldest goes past {@value #FILTERS}, raising the horizon. */
    private void startFilter(Filter full) {
        lock.writeLock().lock();
        try {
            if (filters.getLast() != full) {
                return;
            }
            filters.add(new Filter(perFilter));
            if (filters.size() > FILTERS) {
                horizon = Math.max(horizon, filters.removeFirst().latest.get());
            }
        } finally {
            lock.writeLock().unlock();
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

    /** 64 bits of FNV-1a, mixed (a SplitMix64 finaliser), for the two hash values of the probes. */
    private static long hash(byte[] bytes) {
        long hash = 0xcbf29ce484222325L;
        for (byte b : bytes) {
            hash = (hash ^ (b & 0xff)) * 0x100000001b3L;
        }
        hash = (hash ^ (hash >>> 30)) * 0xbf58476d1ce4e5b9L;
        hash = (hash ^ (hash >>> 27)) * 0x94d049bb133111ebL;
        return hash ^ (hash >>> 31);
    }
}
