package cairn.server.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The real CloudTrail records of {@code shared/testdata}, read independently of Cairn's own reader. */
public final class Testdata {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Testdata() {
    }

    public static Path folder() {
        Path here = Path.of("").toAbsolutePath();
        for (Path candidate = here; candidate != null; candidate = candidate.getParent()) {
            Path folder = candidate.resolve("shared/testdata/cloudtrail/stratus-red-team");
            if (Files.isDirectory(folder)) {
                return folder;
            }
            Path sibling = candidate.resolveSibling("shared").resolve("testdata/cloudtrail/stratus-red-team");
            if (Files.isDirectory(sibling)) {
                return sibling;
            }
        }
        throw new IllegalStateException("shared/testdata not found above " + here);
    }

    public static List<Path> files() {
        try (Stream<Path> files = Files.list(folder())) {
            return files.filter(file -> file.toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<JsonNode> records() {
        List<JsonNode> records = new ArrayList<>();
        for (Path file : files()) {
            try {
                MAPPER.readTree(file.toFile()).forEach(records::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return records;
    }
}
