package cairn.bench.measure;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Named figures collected over several rounds, reported as their median (and the spread). Not thread-safe. */
public final class Medians {
    private final Map<String, List<Double>> figures = new LinkedHashMap<>();

    public void add(String name, double value) {
        figures.computeIfAbsent(name, ignored -> new ArrayList<>()).add(value);
    }

    public double median(String name) {
        List<Double> values = new ArrayList<>(figures.getOrDefault(name, List.of()));
        if (values.isEmpty()) {
            return Double.NaN;
        }
        values.sort(null);
        int n = values.size();
        return n % 2 == 1 ? values.get(n / 2) : (values.get(n / 2 - 1) + values.get(n / 2)) / 2;
    }

    /** One line per figure: median, then every round's value. */
    public String report() {
        StringBuilder text = new StringBuilder();
        for (Map.Entry<String, List<Double>> figure : figures.entrySet()) {
            text.append(String.format("%-58s median %12.2f   rounds %s%n", figure.getKey(), median(figure.getKey()),
                    figure.getValue().stream().map(value -> String.format("%.2f", value)).toList()));
        }
        return text.toString();
    }
}
