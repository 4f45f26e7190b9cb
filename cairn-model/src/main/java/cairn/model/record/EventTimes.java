package cairn.model.record;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.OptionalLong;

/** CloudTrail's event times: {@code YYYY-MM-DDTHH:MM:SSZ} in UTC, read to epoch seconds. */
public final class EventTimes {
    private static final DateTimeFormatter WRITE = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'")
            .withZone(ZoneOffset.UTC);

    /** The latest event time the history can hold (epoch seconds, in the year 2242). */
    public static final long LATEST = (1L << 33) - 1;

    private EventTimes() {
    }

    /**
     * Epoch seconds of a record time: {@code 2024-07-31T13:06:24Z}, or any ISO-8601 instant (fractions and offsets
     * too); with {@code zoneless} also {@code 2024-07-31T13:06:24}, read as UTC. Empty when the text is not a time.
     */
    public static OptionalLong parse(String text, boolean zoneless) {
        if (text.length() == 20 && text.charAt(19) == 'Z') {
            long fast = parseBasic(text);
            if (fast >= 0) {
                return OptionalLong.of(fast);
            }
        }
        try {
            return OptionalLong.of(Instant.parse(text).getEpochSecond());
        } catch (DateTimeParseException e) {
            if (!zoneless) {
                return OptionalLong.empty();
            }
        }
        try {
            return OptionalLong.of(LocalDateTime.parse(text).toEpochSecond(ZoneOffset.UTC));
        } catch (DateTimeParseException e) {
            return OptionalLong.empty();
        }
    }

    public static String format(long epochSeconds) {
        return WRITE.format(Instant.ofEpochSecond(epochSeconds));
    }

    private static long parseBasic(String text) {
        if (text.charAt(4) != '-' || text.charAt(7) != '-' || text.charAt(10) != 'T' || text.charAt(13) != ':'
                || text.charAt(16) != ':') {
            return -1;
        }
        int year = digits(text, 0, 4);
        int month = digits(text, 5, 2);
        int day = digits(text, 8, 2);
        int hour = digits(text, 11, 2);
        int minute = digits(text, 14, 2);
        int second = digits(text, 17, 2);
        if (year < 1970 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59
                || second > 59) {
            return -1;
        }
        if (day > java.time.YearMonth.of(year, month).lengthOfMonth()) {
            return -1;
        }
        return java.time.LocalDate.of(year, month, day).toEpochDay() * 86_400L + hour * 3600L + minute * 60L + second;
    }

    private static int digits(String text, int from, int count) {
        int value = 0;
        for (int i = from; i < from + count; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -10_000;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }
}
