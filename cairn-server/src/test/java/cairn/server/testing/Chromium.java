package cairn.server.testing;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Playwright;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The machine's own Chromium, driven by Playwright: never a browser Playwright downloads (there is no internet on the
 * machines that run the tests). The executable is {@code CAIRN_CHROMIUM} when set, else the first of the usual
 * paths; none found is an error that says how to install it ({@code .ci/run} installs Debian's {@code chromium}).
 */
public final class Chromium implements AutoCloseable {
    private static final List<String> PATHS = List.of("/usr/bin/chromium", "/usr/bin/chromium-browser",
            "/usr/bin/google-chrome");
    /** Headless, no sandbox (the tests run as root), and no calls home (they are refused here). */
    private static final List<String> FLAGS = List.of("--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
            "--disable-quic", "--disable-dev-shm-usage");

    private final Playwright playwright;
    private final Browser browser;

    private Chromium(Playwright playwright, Browser browser) {
        this.playwright = playwright;
        this.browser = browser;
    }

    public static Chromium launch() {
        Path executable = executable();
        Playwright playwright = Playwright.create(new Playwright.CreateOptions()
                .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        try {
            Browser browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
                    .setExecutablePath(executable).setHeadless(true).setArgs(FLAGS));
            return new Chromium(playwright, browser);
        } catch (RuntimeException e) {
            playwright.close();
            throw e;
        }
    }

    public static Path executable() {
        Optional<Path> configured = Optional.ofNullable(System.getenv("CAIRN_CHROMIUM")).map(Path::of);
        return configured.or(() -> PATHS.stream().map(Path::of).filter(Files::isExecutable).findFirst())
                .orElseThrow(() -> new IllegalStateException("No Chromium found (tried " + PATHS + "; set "
                        + "CAIRN_CHROMIUM to its path). On Debian: apt-get install chromium"));
    }

    public Browser browser() {
        return browser;
    }

    @Override
    public void close() {
        browser.close();
        playwright.close();
    }
}
