package cairn.bench.events;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Deterministic CloudTrail-shaped records of about 1.2 KB, with a skewed mix of event sources, event names, users,
 * access keys and resources, so that lookups by attribute meet both common and rare values. Every record is in
 * {@link #REGION}, with a fixed-width {@code eventTime} and {@code eventID} so a sender can restamp pre-built batches
 * in place (see {@link Batch#restamp}). Not thread-safe: one instance per thread.
 */
public final class SyntheticEvents {
    public static final String REGION = "us-east-1";
    public static final String ACCOUNT = "123456789012";
    public static final int USERS = 1000;
    public static final int ROLES = 40;
    public static final int BUCKETS = 200;
    public static final int INSTANCES = 5000;
    public static final int KEYS = 100;

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'")
            .withZone(ZoneOffset.UTC);

    /** An event source and its operations: the first {@code reads} names are read-only. */
    private record Service(String source, String host, String resourceType, String[] names) {
    }

    private static final Service[] SERVICES = {
        new Service("s3.amazonaws.com", "s3.us-east-1.amazonaws.com", "AWS::S3::Object",
                new String[] {"GetObject", "HeadObject", "ListObjects", "GetBucketAcl", "PutObject", "DeleteObject",
                    "CopyObject", "PutBucketPolicy"}),
        new Service("ec2.amazonaws.com", "ec2.us-east-1.amazonaws.com", "AWS::EC2::Instance",
                new String[] {"DescribeInstances", "DescribeVolumes", "DescribeSecurityGroups", "RunInstances",
                    "TerminateInstances", "StartInstances", "StopInstances", "CreateTags"}),
        new Service("sts.amazonaws.com", "sts.amazonaws.com", "AWS::IAM::Role",
                new String[] {"GetCallerIdentity", "AssumeRole", "AssumeRoleWithWebIdentity", "GetSessionToken"}),
        new Service("kms.amazonaws.com", "kms.us-east-1.amazonaws.com", "AWS::KMS::Key",
                new String[] {"Decrypt", "DescribeKey", "ListAliases", "Encrypt", "GenerateDataKey", "CreateGrant"}),
        new Service("iam.amazonaws.com", "iam.amazonaws.com", "AWS::IAM::User",
                new String[] {"GetUser", "ListRoles", "GetPolicy", "CreateUser", "AttachRolePolicy", "DeleteAccessKey",
                    "CreateAccessKey", "PutRolePolicy"}),
        new Service("lambda.amazonaws.com", "lambda.us-east-1.amazonaws.com", "AWS::Lambda::Function",
                new String[] {"GetFunction", "ListFunctions20150331", "UpdateFunctionCode20150331v2",
                    "CreateFunction20150331", "AddPermission20150331v2"}),
        new Service("dynamodb.amazonaws.com", "dynamodb.us-east-1.amazonaws.com", "AWS::DynamoDB::Table",
                new String[] {"DescribeTable", "ListTables", "CreateTable", "UpdateTable", "DeleteTable"}),
        new Service("logs.amazonaws.com", "logs.us-east-1.amazonaws.com", "AWS::Logs::LogGroup",
                new String[] {"DescribeLogGroups", "GetLogEvents", "CreateLogStream", "PutRetentionPolicy",
                    "CreateLogGroup"}),
        new Service("sqs.amazonaws.com", "sqs.us-east-1.amazonaws.com", "AWS::SQS::Queue",
                new String[] {"GetQueueAttributes", "ListQueues", "CreateQueue", "SetQueueAttributes",
                    "DeleteQueue"}),
        new Service("secretsmanager.amazonaws.com", "secretsmanager.us-east-1.amazonaws.com",
                "AWS::SecretsManager::Secret",
                new String[] {"GetSecretValue", "DescribeSecret", "ListSecrets", "PutSecretValue", "RotateSecret"}),
        new Service("ssm.amazonaws.com", "ssm.us-east-1.amazonaws.com", "AWS::SSM::Parameter",
                new String[] {"GetParameter", "GetParameters", "DescribeParameters", "PutParameter",
                    "DeleteParameter"}),
        new Service("cloudformation.amazonaws.com", "cloudformation.us-east-1.amazonaws.com",
                "AWS::CloudFormation::Stack",
                new String[] {"DescribeStacks", "ListStacks", "GetTemplate", "CreateStack", "UpdateStack",
                    "DeleteStack"}),
        new Service("rds.amazonaws.com", "rds.us-east-1.amazonaws.com", "AWS::RDS::DBInstance",
                new String[] {"DescribeDBInstances", "DescribeDBClusters", "CreateDBSnapshot", "ModifyDBInstance",
                    "RebootDBInstance"}),
        new Service("ecr.amazonaws.com", "api.ecr.us-east-1.amazonaws.com", "AWS::ECR::Repository",
                new String[] {"GetAuthorizationToken", "BatchGetImage", "DescribeRepositories", "PutImage",
                    "CreateRepository"}),
        new Service("sns.amazonaws.com", "sns.us-east-1.amazonaws.com", "AWS::SNS::Topic",
                new String[] {"ListTopics", "GetTopicAttributes", "Publish", "CreateTopic", "Subscribe"}),
        new Service("monitoring.amazonaws.com", "monitoring.us-east-1.amazonaws.com", "AWS::CloudWatch::Alarm",
                new String[] {"DescribeAlarms", "GetMetricData", "ListMetrics", "PutMetricAlarm", "DeleteAlarms"}),
    };

    private static final String[] AGENTS = {
        "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0-18-amd64 exe/x86_64.debian.12 prompt/off command/s3.cp",
        "aws-sdk-java/2.25.11 Linux/6.1.0-18-amd64 OpenJDK_64-Bit_Server_VM/21.0.2+13-LTS Java/21.0.2 vendor/Eclipse_Adoptium io/sync http/Apache cfg/retry-mode/legacy",
        "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.1.0-18-amd64 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69",
        "console.amazonaws.com",
        "Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.42.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.25.3 os/linux lang/go#1.21.8 md/GOOS#linux md/GOARCH#amd64 api/s3#1.51.4",
    };

    /** Where the time and the event ID sit in a record, so that a sender can restamp them. */
    static final int TIME_LENGTH = 20;
    static final int EVENT_ID_COUNTER_LENGTH = 12;

    private final SplittableRandom random;
    private final StringBuilder text = new StringBuilder(1600);

    public SyntheticEvents(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /** One event's lookup fields, as they are also written into the PostgreSQL baseline's columns. */
    public record Event(String eventId, long eventTime, String eventName, String eventSource, String username,
                        String accessKeyId, boolean readOnly, String resourceType, String resourceName, String json) {
    }

    /** The next event, at {@code eventTime} (epoch seconds), with {@code serial} in its event ID. */
    public Event next(long eventTime, long serial) {
        Service service = SERVICES[skewed(SERVICES.length, 1.6)];
        int nameIndex = skewed(service.names.length, 1.8);
        String eventName = service.names[nameIndex];
        boolean readOnly = nameIndex < service.names.length / 2;
        boolean assumedRole = random.nextInt(4) == 0;
        int user = skewed(USERS, 2.5);
        int role = skewed(ROLES, 2.0);
        String username = assumedRole ? "session-" + user : "user-" + String.format("%04d", user);
        String accessKeyId = assumedRole
                ? "ASIA" + code(16, 7919L * user + 104729L * role + 1)
                : "AKIA" + code(16, 2L * user + random.nextInt(2) + 17);
        String eventId = eventId(random.nextLong(), serial);
        String resourceName = resource(service);
        String time = TIME.format(Instant.ofEpochSecond(eventTime));

        text.setLength(0);
        text.append("{\"eventVersion\":\"1.09\",\"userIdentity\":{");
        if (assumedRole) {
            String roleName = "role-" + role;
            text.append("\"type\":\"AssumedRole\",\"principalId\":\"AROA").append(code(17, role)).append(':')
                    .append(username).append("\",\"arn\":\"arn:aws:sts::").append(ACCOUNT).append(":assumed-role/")
                    .append(roleName).append('/').append(username).append("\",\"accountId\":\"").append(ACCOUNT)
                    .append("\",\"accessKeyId\":\"").append(accessKeyId)
                    .append("\",\"sessionContext\":{\"sessionIssuer\":{\"type\":\"Role\",\"principalId\":\"AROA")
                    .append(code(17, role)).append("\",\"arn\":\"arn:aws:iam::").append(ACCOUNT).append(":role/")
                    .append(roleName).append("\",\"accountId\":\"").append(ACCOUNT).append("\",\"userName\":\"")
                    .append(roleName).append("\"},\"webIdFederationData\":{},\"attributes\":{\"creationDate\":\"")
                    .append(time).append("\",\"mfaAuthenticated\":\"false\"}}},");
        } else {
            text.append("\"type\":\"IAMUser\",\"principalId\":\"AIDA").append(code(17, user))
                    .append("\",\"arn\":\"arn:aws:iam::").append(ACCOUNT).append(":user/").append(username)
                    .append("\",\"accountId\":\"").append(ACCOUNT).append("\",\"accessKeyId\":\"").append(accessKeyId)
                    .append("\",\"userName\":\"").append(username).append("\"},");
        }
        text.append("\"eventTime\":\"").append(time).append("\",\"eventSource\":\"").append(service.source)
                .append("\",\"eventName\":\"").append(eventName).append("\",\"awsRegion\":\"").append(REGION)
                .append("\",\"sourceIPAddress\":\"").append(10 + random.nextInt(190)).append('.')
                .append(random.nextInt(256)).append('.').append(random.nextInt(256)).append('.')
                .append(1 + random.nextInt(254)).append("\",\"userAgent\":\"")
                .append(AGENTS[skewed(AGENTS.length, 1.5)]).append("\",\"requestParameters\":{");
        requestParameters(service, eventName, resourceName);
        text.append("},\"responseElements\":");
        if (readOnly) {
            text.append("null");
        } else {
            text.append("{\"requestId\":\"").append(code(20, random.nextLong())).append("\"}");
        }
        text.append(",\"requestID\":\"").append(uuid(random.nextLong(), random.nextLong()))
                .append("\",\"eventID\":\"").append(eventId).append("\",\"readOnly\":").append(readOnly)
                .append(",\"resources\":[{\"accountId\":\"").append(ACCOUNT).append("\",\"type\":\"")
                .append(service.resourceType).append("\",\"ARN\":\"").append(resourceName)
                .append("\"}],\"eventType\":\"AwsApiCall\",\"managementEvent\":true,\"recipientAccountId\":\"")
                .append(ACCOUNT).append("\",\"eventCategory\":\"Management\",\"tlsDetails\":{\"tlsVersion\":\"TLSv1.3\","
                        + "\"cipherSuite\":\"TLS_AES_128_GCM_SHA256\",\"clientProvidedHostHeader\":\"")
                .append(service.host).append("\"}}");
        return new Event(eventId, eventTime, eventName, service.source, username, accessKeyId, readOnly,
                service.resourceType, resourceName, text.toString());
    }

    /** A batch of {@code size} events as a {@code {"Records":[...]}} body. */
    public Batch batch(int size, long eventTime, long firstSerial) {
        List<Event> events = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            events.add(next(eventTime, firstSerial + i));
        }
        return Batch.of(events);
    }

    /** Index in {@code [0, n)}, small indexes far more often: {@code n * u^power}. */
    private int skewed(int n, double power) {
        return Math.min(n - 1, (int) (n * Math.pow(random.nextDouble(), power)));
    }

    private String resource(Service service) {
        return switch (service.resourceType) {
            case "AWS::S3::Object" -> "arn:aws:s3:::bucket-" + skewed(BUCKETS, 2.0) + "/data/"
                    + random.nextInt(100_000) + ".parquet";
            case "AWS::EC2::Instance" -> "arn:aws:ec2:us-east-1:" + ACCOUNT + ":instance/i-"
                    + code(17, skewed(INSTANCES, 2.0)).toLowerCase();
            case "AWS::KMS::Key" -> "arn:aws:kms:us-east-1:" + ACCOUNT + ":key/" + uuid(skewed(KEYS, 2.0), 7);
            default -> "arn:aws:" + service.source.substring(0, service.source.indexOf('.')) + ":us-east-1:"
                    + ACCOUNT + ":resource/res-" + skewed(500, 2.0);
        };
    }

    private void requestParameters(Service service, String eventName, String resourceName) {
        switch (service.resourceType) {
            case "AWS::S3::Object" -> {
                int slash = resourceName.indexOf('/');
                text.append("\"bucketName\":\"").append(resourceName, "arn:aws:s3:::".length(), slash)
                        .append("\",\"key\":\"").append(resourceName, slash + 1, resourceName.length())
                        .append("\",\"Host\":\"").append(service.host).append("\",\"x-id\":\"").append(eventName)
                        .append('"');
            }
            case "AWS::EC2::Instance" -> text.append("\"instancesSet\":{\"items\":[{\"instanceId\":\"")
                    .append(resourceName, resourceName.lastIndexOf('/') + 1, resourceName.length())
                    .append("\"}]},\"filterSet\":{},\"includeAllInstances\":false");
            case "AWS::KMS::Key" -> text.append("\"keyId\":\"").append(resourceName)
                    .append("\",\"encryptionAlgorithm\":\"SYMMETRIC_DEFAULT\",\"encryptionContext\":{\"aws:s3:arn\":"
                            + "\"arn:aws:s3:::bucket-").append(random.nextInt(BUCKETS)).append("\"}");
            default -> text.append("\"resourceArn\":\"").append(resourceName).append("\",\"maxResults\":")
                    .append(10 + random.nextInt(90));
        }
    }

    private static final char[] LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".toCharArray();

    private static String code(int length, long seed) {
        SplittableRandom local = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + length);
        char[] chars = new char[length];
        for (int i = 0; i < length; i++) {
            chars[i] = LETTERS[local.nextInt(LETTERS.length)];
        }
        return new String(chars);
    }

    private static String eventId(long high, long serial) {
        String uuid = uuid(high, 0);
        return uuid.substring(0, uuid.length() - EVENT_ID_COUNTER_LENGTH)
                + String.format("%012x", serial & 0xFFFF_FFFF_FFFFL);
    }

    private static String uuid(long high, long low) {
        return new java.util.UUID((high & ~0xF000L) | 0x4000L, (low & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L)
                .toString();
    }

    /**
     * A request body ready to send, with where the events' times and event-ID counters sit in it, so that the same
     * bytes can be sent again as new events (see {@link #restamp}).
     *
     * @param timeAt where a 20-character {@code yyyy-MM-ddTHH:mm:ssZ} time starts
     * @param counterAt where the last 12 hex digits of an event ID start
     * @param counterEvent the index of the event each {@code counterAt} belongs to
     */
    public record Batch(List<Event> events, byte[] body, int[] timeAt, int[] counterAt, int[] counterEvent) {
        /** The native ingest body, {@code {"Records":[...]}}. */
        public static Batch of(List<Event> events) {
            StringBuilder body = new StringBuilder(events.size() * 1400).append("{\"Records\":[");
            Marks marks = new Marks();
            for (int i = 0; i < events.size(); i++) {
                if (i > 0) {
                    body.append(',');
                }
                int start = body.length();
                String json = events.get(i).json();
                body.append(json);
                marks.markJson(json, start, i, "\"");
            }
            body.append("]}");
            return marks.batch(events, body);
        }

        /**
         * The same events as CSV rows for PostgreSQL's {@code COPY ... (FORMAT csv)}, columns {@link #CSV_COLUMNS}.
         */
        public static Batch csv(List<Event> events) {
            StringBuilder body = new StringBuilder(events.size() * 1600);
            Marks marks = new Marks();
            for (int i = 0; i < events.size(); i++) {
                Event event = events.get(i);
                marks.counter(body.length() + 36 - EVENT_ID_COUNTER_LENGTH, i);
                body.append(event.eventId()).append(',');
                marks.time(body.length());
                body.append(TIME.format(Instant.ofEpochSecond(event.eventTime()))).append(',');
                body.append(event.eventName()).append(',').append(event.eventSource()).append(',')
                        .append(event.username()).append(',').append(event.accessKeyId()).append(',')
                        .append(event.readOnly()).append(',').append(event.resourceName()).append(",\"");
                String escaped = event.json().replace("\"", "\"\"");
                int start = body.length();
                body.append(escaped).append("\"\n");
                marks.markJson(escaped, start, i, "\"\"");
            }
            return marks.batch(events, body);
        }

        /** The columns of {@link #csv}, in order. */
        public static final String CSV_COLUMNS =
                "event_id, event_time, event_name, event_source, username, access_key_id, read_only, resource_name, "
                        + "record";

        /**
         * Rewrites, in place, every event's time to {@code eventTime} and the last 12 hex digits of its event ID
         * to {@code firstSerial + i}, so that a body sent again is a batch of new events at the current time. The
         * body keeps its length.
         */
        public void restamp(long eventTime, long firstSerial) {
            byte[] time = TIME.format(Instant.ofEpochSecond(eventTime)).getBytes(StandardCharsets.US_ASCII);
            for (int at : timeAt) {
                System.arraycopy(time, 0, body, at, TIME_LENGTH);
            }
            for (int c = 0; c < counterAt.length; c++) {
                long serial = firstSerial + counterEvent[c];
                for (int digit = EVENT_ID_COUNTER_LENGTH - 1; digit >= 0; digit--) {
                    body[counterAt[c] + digit] = (byte) Character.forDigit((int) (serial & 0xF), 16);
                    serial >>>= 4;
                }
            }
        }

        public int size() {
            return events.size();
        }
    }

    private static final class Marks {
        private final List<Integer> times = new ArrayList<>();
        private final List<Integer> counters = new ArrayList<>();
        private final List<Integer> counterEvents = new ArrayList<>();

        void time(int at) {
            times.add(at);
        }

        void counter(int at, int event) {
            counters.add(at);
            counterEvents.add(event);
        }

        /** Marks the eventTime and eventID of a record's JSON written at {@code start}, quotes spelled {@code quote}. */
        void markJson(String json, int start, int event, String quote) {
            String timeField = quote + "eventTime" + quote + ":" + quote;
            String idField = quote + "eventID" + quote + ":" + quote;
            time(start + json.indexOf(timeField) + timeField.length());
            counter(start + json.indexOf(idField) + idField.length() + 36 - EVENT_ID_COUNTER_LENGTH, event);
        }

        Batch batch(List<Event> events, StringBuilder body) {
            // Every character is ASCII, so string positions are byte positions.
            return new Batch(List.copyOf(events), body.toString().getBytes(StandardCharsets.US_ASCII),
                    times.stream().mapToInt(Integer::intValue).toArray(),
                    counters.stream().mapToInt(Integer::intValue).toArray(),
                    counterEvents.stream().mapToInt(Integer::intValue).toArray());
        }
    }
}
