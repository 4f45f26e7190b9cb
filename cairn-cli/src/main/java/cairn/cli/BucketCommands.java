package cairn.cli;

import cairn.delivery.objectstore.LocalObjectStore;
import cairn.model.error.CloudTrailException;
import cairn.model.trail.TrailNames;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code cairn bucket create|list}: the embedded object store's buckets, folders under {@code data/buckets}. */
@Command(name = "bucket", mixinStandardHelpOptions = true,
        description = "Create and list the local buckets trails deliver into.",
        subcommands = {BucketCommands.Create.class, BucketCommands.ListBuckets.class})
final class BucketCommands extends IdentityCommands.Group {
    @Command(name = "create", mixinStandardHelpOptions = true, description = "Creates a bucket.")
    static final class Create implements Callable<Integer> {
        @Option(names = "--data", description = "data folder (default: ./data)", defaultValue = "data")
        Path data;

        @Parameters(index = "0", description = "the bucket name (S3's rules)")
        String name;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            try {
                TrailNames.checkBucketName(name);
            } catch (CloudTrailException e) {
                spec.commandLine().getErr().println("cairn: " + e.getMessage());
                return 1;
            }
            if (!Files.isDirectory(data.resolve("installation"))) {
                spec.commandLine().getErr().println("cairn: " + data.toAbsolutePath() + " is not a Cairn data "
                        + "folder (no installation/ in it); start `cairn serve --data " + data + "` once first");
                return 1;
            }
            LocalObjectStore buckets = new LocalObjectStore(data.resolve("buckets"));
            if (!buckets.createBucket(name)) {
                spec.commandLine().getErr().println("cairn: bucket " + name + " already exists");
                return 1;
            }
            spec.commandLine().getOut().println("bucket " + name + " at " + buckets.root().resolve(name));
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the buckets.")
    static final class ListBuckets implements Callable<Integer> {
        @Option(names = "--data", description = "data folder (default: ./data)", defaultValue = "data")
        Path data;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            new LocalObjectStore(data.resolve("buckets")).buckets().forEach(spec.commandLine().getOut()::println);
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
