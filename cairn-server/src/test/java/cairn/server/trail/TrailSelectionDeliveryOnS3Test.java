package cairn.server.trail;

import cairn.server.testing.MotoBuckets;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.SortedMap;

/**
 * {@link TrailSelectionDeliveryTest} with every bucket of every server in an S3 server (moto), read back with the AWS
 * SDK. Moto starts with the test instance, before the base class's {@code @BeforeAll} delivers into it, and stops
 * after its {@code @AfterAll} has stopped Cairn.
 */
final class TrailSelectionDeliveryOnS3Test extends TrailSelectionDeliveryTest {
    @AutoClose
    private final MotoBuckets moto;

    TrailSelectionDeliveryOnS3Test() throws IOException {
        moto = new MotoBuckets();
    }

    /**
     * Empties moto before each test: what {@code @BeforeAll} delivered has been read by then, and two tests use the
     * same bucket name on servers of their own.
     */
    @BeforeEach
    void emptyMoto() {
        moto.reset();
    }

    @Override
    Map<String, String> bucketSettings() {
        return moto.settings();
    }

    @Override
    void createBucket(String bucket) {
        moto.createBucket(bucket);
    }

    @Override
    SortedMap<String, byte[]> objects(Path serverData, String bucket) {
        return moto.objects(bucket);
    }
}
