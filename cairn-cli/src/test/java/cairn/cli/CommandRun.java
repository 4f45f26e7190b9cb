package cairn.cli;

import picocli.CommandLine;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Optional;

/** One in-process run of the {@code cairn} command (never its {@code main}, which exits): its status and output. */
record CommandRun(int status, String out, String err) {
    static CommandRun cairn(String... arguments) {
        CommandLine command = new CommandLine(new CairnCommand());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        command.setOut(new PrintWriter(out));
        command.setErr(new PrintWriter(err));
        int status = command.execute(arguments);
        return new CommandRun(status, out.toString(), err.toString());
    }

    /** The value of the output's {@code name=value} line, if there is one. */
    Optional<String> value(String name) {
        return out.lines().filter(line -> line.startsWith(name + "=")).map(line -> line.substring(name.length() + 1))
                .findFirst();
    }

    /** The credentials printed by {@code key create}, {@code key rotate} or {@code role assume}. */
    AwsCredentialsIdentity credentials() {
        String accessKeyId = value("AWS_ACCESS_KEY_ID").orElseThrow(() -> new AssertionError("no key in " + this));
        String secret = value("AWS_SECRET_ACCESS_KEY").orElseThrow(() -> new AssertionError("no secret in " + this));
        Optional<String> sessionToken = value("AWS_SESSION_TOKEN");
        return sessionToken.<AwsCredentialsIdentity>map(token -> AwsSessionCredentialsIdentity.create(accessKeyId,
                secret, token)).orElseGet(() -> AwsCredentialsIdentity.create(accessKeyId, secret));
    }
}
