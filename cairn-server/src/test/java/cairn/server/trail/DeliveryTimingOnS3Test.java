package cairn.server.trail;

import cairn.server.testing.MotoBuckets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

import java.io.IOException;
import java.util.Map;
import java.util.SortedMap;

/** {@link DeliveryTimingTest} with the bucket in an S3 server (moto), read back with the AWS SDK. */
final class DeliveryTimingOnS3Test extends DeliveryTimingTest {
    private static MotoBuckets moto;

    @BeforeAll
    static void startMoto() throws IOException {
        moto = new MotoBuckets();
    }

    @AfterAll
    static void stopMoto() throws IOException {
        if (moto != null) {
            moto.close();
        }
    }

    /** Empties moto after each test, not before: the base class's {@code @BeforeEach} creates the bucket first. */
    @AfterEach
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
    SortedMap<String, byte[]> objects(String bucket) {
        return moto.objects(bucket);
    }
}
