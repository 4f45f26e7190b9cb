package cairn.server.auth;

import cairn.model.error.CloudTrailException;
import cairn.model.error.ErrorCode;

import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The credential scope of a SigV4-signed request ({@code AKID/20240101/us-east-1/cloudtrail/aws4_request}), read from
 * the {@code Authorization} header or, for presigned requests, the {@code X-Amz-Credential} query parameter. The
 * region of a call is the region of its scope.
 */
public record CredentialScope(String accessKeyId, String date, String region, String service) {
    public CredentialScope {
        requireNonNull(accessKeyId, "accessKeyId is null");
        requireNonNull(date, "date is null");
        requireNonNull(region, "region is null");
        requireNonNull(service, "service is null");
    }

    /**
     * The scope of a request whose signature is checked for form only: a well-formed Authorization header, or a
     * presigned credential. {@link SigV4Verifier} checks the signature itself.
     */
    public static CredentialScope of(Optional<String> authorization, Optional<String> presignedCredential) {
        if (authorization.isPresent()) {
            return parse(AuthorizationHeader.parse(authorization.get()).credential());
        }
        if (presignedCredential.isPresent()) {
            return parse(presignedCredential.get());
        }
        throw missing();
    }

    /** Reads {@code <access key>/<YYYYMMDD>/<region>/<service>/aws4_request}. */
    static CredentialScope parse(String credential) {
        String[] parts = credential.split("/", -1);
        if (parts.length != 5 || !parts[4].equals("aws4_request") || parts[0].isEmpty() || !isDate(parts[1])
                || parts[2].isEmpty() || parts[3].isEmpty()) {
            throw incomplete("Credential should be scoped to a valid region, date and service: "
                    + "<access key>/<YYYYMMDD>/<region>/<service>/aws4_request.");
        }
        return new CredentialScope(parts[0], parts[1], parts[2], parts[3]);
    }

    private static boolean isDate(String text) {
        if (text.length() != 8) {
            return false;
        }
        for (int i = 0; i < 8; i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    static CloudTrailException missing() {
        return new CloudTrailException(ErrorCode.MISSING_AUTHENTICATION_TOKEN,
                "Request is missing Authentication Token: sign it with AWS Signature Version 4.");
    }

    static CloudTrailException incomplete(String message) {
        return new CloudTrailException(ErrorCode.INCOMPLETE_SIGNATURE, message);
    }

    /** The three parts of an {@code AWS4-HMAC-SHA256} Authorization header. */
    record AuthorizationHeader(String credential, String signedHeaders, String signature) {
        static AuthorizationHeader parse(String value) {
            String header = value.strip();
            if (!header.startsWith(SigV4Verifier.ALGORITHM + " ")) {
                throw incomplete("Authorization header requires the " + SigV4Verifier.ALGORITHM + " algorithm.");
            }
            String credential = null;
            String signedHeaders = null;
            String signature = null;
            for (String part : header.substring(SigV4Verifier.ALGORITHM.length() + 1).split(",")) {
                String item = part.strip();
                if (item.startsWith("Credential=")) {
                    credential = item.substring("Credential=".length());
                } else if (item.startsWith("SignedHeaders=")) {
                    signedHeaders = item.substring("SignedHeaders=".length());
                } else if (item.startsWith("Signature=")) {
                    signature = item.substring("Signature=".length());
                }
            }
            if (credential == null || signedHeaders == null || signedHeaders.isEmpty() || signature == null
                    || signature.isEmpty()) {
                throw incomplete("Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' "
                        + "parameters.");
            }
            return new AuthorizationHeader(credential, signedHeaders, signature);
        }
    }
}
