package cairn.server.testing;

import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.core.client.builder.SdkSyncClientBuilder;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.scheme.AwsV4AuthScheme;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.AsyncSignRequest;
import software.amazon.awssdk.http.auth.spi.signer.AsyncSignedRequest;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignRequest;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.IdentityProvider;
import software.amazon.awssdk.identity.spi.IdentityProviders;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Signing as real clients do, with the AWS SDK for Java v2's own SigV4 signer, but on the test's clock: SDK clients get
 * an auth scheme whose signer reads the time from the clock the server runs on, so tests can move time.
 */
public final class TestSigning {
    private static final Set<String> UNSENDABLE = Set.of("host", "content-length", "connection", "expect",
            "upgrade");

    private TestSigning() {
    }

    /** The AWS SDK's SigV4 auth scheme, signing at the times {@code clock} gives. */
    public static AwsV4AuthScheme scheme(Clock clock) {
        AwsV4AuthScheme standard = AwsV4AuthScheme.create();
        AwsV4HttpSigner signer = AwsV4HttpSigner.create();
        AwsV4HttpSigner onClock = new AwsV4HttpSigner() {
            @Override
            public SignedRequest sign(SignRequest<? extends AwsCredentialsIdentity> request) {
                return signer.sign(request.copy(copy -> copy.putProperty(HttpSigner.SIGNING_CLOCK, clock)));
            }

            @Override
            public CompletableFuture<AsyncSignedRequest> signAsync(
                    AsyncSignRequest<? extends AwsCredentialsIdentity> request) {
                return signer.signAsync(request.copy(copy -> copy.putProperty(HttpSigner.SIGNING_CLOCK, clock)));
            }
        };
        return new AwsV4AuthScheme() {
            @Override
            public String schemeId() {
                return standard.schemeId();
            }

            @Override
            public IdentityProvider<AwsCredentialsIdentity> identityProvider(IdentityProviders providers) {
                return standard.identityProvider(providers);
            }

            @Override
            public AwsV4HttpSigner signer() {
                return onClock;
            }
        };
    }

    /** Credentials as the SDK's providers take them (with the session token, when there is one). */
    public static AwsCredentialsProvider provider(AwsCredentialsIdentity credentials) {
        if (credentials instanceof software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity session) {
            return StaticCredentialsProvider.create(AwsSessionCredentials.create(session.accessKeyId(),
                    session.secretAccessKey(), session.sessionToken()));
        }
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(credentials.accessKeyId(),
                credentials.secretAccessKey()));
    }

    /** An SDK client builder pointed at Cairn, for a region, with these credentials, signing on {@code clock}. */
    public static <B extends AwsClientBuilder<B, C> & SdkSyncClientBuilder<B, C>, C> B configure(
            B builder, URI endpoint, String region, AwsCredentialsIdentity credentials, Clock clock) {
        return builder.endpointOverride(endpoint)
                .region(Region.of(region))
                .credentialsProvider(provider(credentials))
                .putAuthScheme(scheme(clock))
                .httpClient(UrlConnectionHttpClient.create());
    }

    /**
     * A POST signed with SigV4 for {@code service} and {@code region} at {@code clock}'s time; {@code expiry} makes
     * it a presigned request (the signature in the query string).
     */
    public static HttpRequest.Builder post(URI uri, String contentType, Optional<String> target, byte[] body,
                                           String service, String region, AwsCredentialsIdentity credentials,
                                           Clock clock, Optional<Duration> expiry) {
        SdkHttpRequest.Builder unsigned = SdkHttpRequest.builder().method(SdkHttpMethod.POST).uri(uri)
                .putHeader("Content-Type", contentType);
        target.ifPresent(value -> unsigned.putHeader("X-Amz-Target", value));
        SignedRequest signed = AwsV4HttpSigner.create().sign(signing -> {
            signing.identity(credentials)
                    .request(unsigned.build())
                    .payload(ContentStreamProvider.fromByteArray(body))
                    .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, service)
                    .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                    .putProperty(HttpSigner.SIGNING_CLOCK, clock);
            expiry.ifPresent(duration -> signing
                    .putProperty(AwsV4HttpSigner.AUTH_LOCATION, AwsV4FamilyHttpSigner.AuthLocation.QUERY_STRING)
                    .putProperty(AwsV4HttpSigner.EXPIRATION_DURATION, duration));
        });
        HttpRequest.Builder request = HttpRequest.newBuilder(signed.request().getUri())
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        signed.request().forEachHeader((name, values) -> {
            if (!UNSENDABLE.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                values.forEach(value -> request.header(name, value));
            }
        });
        return request;
    }
}
