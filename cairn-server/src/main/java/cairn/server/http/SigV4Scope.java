package cairn.server.http;

import cairn.model.error.CloudTrailException;
import cairn.model.error.ErrorCode;

import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The credential scope of a SigV4-signed request ({@code AKID/20240101/us-east-1/cloudtrail/aws4_request}), read from
 * the {@code Authorization} header or, for presigned requests, the {@code X-Amz-Credential} query parameter. The
 * region of a call is the region of its scope.
 */
public record SigV4Scope(String accessKeyId, String date, String region, String service) {
    public SigV4Scope {
        requireNonNull(accessKeyId, "accessKeyId is null");
        requireNonNull(date, "date is null");
        requireNonNull(region, "region is null");
        requireNonNull(service, "service is null");
    }

    public static SigV4Scope of(Optional<String> authorization, Optional<String> presignedCredential) {
        if (authorization.isPresent()) {
            String header = authorization.get().strip();
            if (!header.startsWith("AWS4-HMAC-SHA256 ")) {
                throw incomplete("Authorization header requires the AWS4-HMAC-SHA256 algorithm.");
            }
            String credential = null;
            boolean signedHeaders = false;
            boolean signature = false;
            for (String part : header.substring("AWS4-HMAC-SHA256 ".length()).split(",")) {
                String item = part.strip();
                if (item.startsWith("Credential=")) {
                    credential = item.substring("Credential=".length());
                } else if (item.startsWith("SignedHeaders=")) {
                    signedHeaders = item.length() > "SignedHeaders=".length();
                } else if (item.startsWith("Signature=")) {
                    signature = item.length() > "Signature=".length();
                }
            }
            if (credential == null || !signedHeaders || !signature) {
                throw incomplete("Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' "
                        + "parameters.");
            }
            return parseCredential(credential);
        }
        if (presignedCredential.isPresent()) {
            return parseCredential(presignedCredential.get());
        }
        throw new CloudTrailException(ErrorCode.MISSING_AUTHENTICATION_TOKEN,
                "Request is missing Authentication Token: sign it with AWS Signature Version 4.");
    }

    private static SigV4Scope parseCredential(String credential) {
        String[] parts = credential.split("/", -1);
        if (parts.length != 5 || !parts[4].equals("aws4_request") || parts[0].isEmpty() || parts[1].length() != 8
                || parts[2].isEmpty() || parts[3].isEmpty()) {
            throw incomplete("Credential should be scoped to a valid region, date and service: "
                    + "<access key>/<YYYYMMDD>/<region>/<service>/aws4_request.");
        }
        return new SigV4Scope(parts[0], parts[1], parts[2], parts[3]);
    }

    private static CloudTrailException incomplete(String message) {
        return new CloudTrailException(ErrorCode.INCOMPLETE_SIGNATURE, message);
    }
}
