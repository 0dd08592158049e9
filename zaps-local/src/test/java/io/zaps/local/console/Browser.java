package io.zaps.local.console;

import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One headless Debian Chromium driven through Selenium, as a person would use the console: for browser tests of
 * the web console (issue 15). Uses {@code /usr/bin/chromium} and {@code /usr/bin/chromedriver} (Debian packages
 * {@code chromium} and {@code chromium-driver}; {@code .ci/run} installs them when missing), or
 * {@code ZAPS_CHROME}/{@code ZAPS_CHROMEDRIVER}. Every wait is bounded. Screenshots go to
 * {@code target/console-screenshots/}.
 */
public final class Browser implements AutoCloseable {
    /** How long any single wait for the page may take. */
    public static final Duration WAIT = Duration.ofSeconds(20);
    static final Path SCREENSHOTS = Path.of("target", "console-screenshots");

    private final ChromeDriver driver;
    private final String baseUrl;

    private Browser(ChromeDriver driver, String baseUrl) {
        this.driver = driver;
        this.baseUrl = baseUrl;
    }

    /** Starts Chromium at {@code width}×{@code height} against the console at {@code baseUrl} (no trailing slash). */
    public static Browser open(String baseUrl, int width, int height) {
        String chrome = System.getenv().getOrDefault("ZAPS_CHROME", "/usr/bin/chromium");
        String chromedriver = System.getenv().getOrDefault("ZAPS_CHROMEDRIVER", "/usr/bin/chromedriver");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chrome);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=" + width + "," + height, "--lang=en-US", "--disable-extensions",
                "--no-first-run", "--no-default-browser-check");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(chromedriver)).usingAnyFreePort().build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(WAIT).scriptTimeout(WAIT);
        return new Browser(driver, baseUrl);
    }

    public WebDriver driver() {
        return driver;
    }

    /** Opens a console route, e.g. {@code go("#/runs")}. */
    public void go(String hash) {
        driver.get(baseUrl + "/" + hash);
    }

    public WebElement await(By by) {
        return new WebDriverWait(driver, WAIT).until(ExpectedConditions.visibilityOfElementLocated(by));
    }

    public WebElement awaitClickable(By by) {
        return new WebDriverWait(driver, WAIT).until(ExpectedConditions.elementToBeClickable(by));
    }

    /**
     * Waits until the element is clickable and clicks it. Pages re-render parts of themselves when the run's stream
     * (re)opens or a status arrives, so an element found a moment ago may be replaced before the click lands: a stale
     * element is looked up again until {@link #WAIT} runs out.
     */
    public void click(By by) {
        new WebDriverWait(driver, WAIT).ignoring(StaleElementReferenceException.class).until(d -> {
            WebElement element = ExpectedConditions.elementToBeClickable(by).apply(d);
            if (element == null) {
                return false;
            }
            element.click();
            return true;
        });
    }

    public void awaitText(By by, String text) {
        new WebDriverWait(driver, WAIT).until(ExpectedConditions.textToBePresentInElementLocated(by, text));
    }

    public List<WebElement> all(By by) {
        return driver.findElements(by);
    }

    public Object script(String js, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(js, args);
    }

    public void resize(int width, int height) {
        driver.manage().window().setSize(new org.openqa.selenium.Dimension(width, height));
    }

    /** Saves a PNG of the page as {@code target/console-screenshots/<name>.png}; returns its path. */
    public Path screenshot(String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            Path target = SCREENSHOTS.resolve(name + ".png");
            File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
            Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
            return target;
        } catch (IOException e) {
            throw new IllegalStateException("cannot save a screenshot: " + e.getMessage(), e);
        }
    }

    /**
     * The browser console's errors since the last call (SEVERE entries: uncaught exceptions, failed loads).
     * Failed API calls the page shows on purpose (4xx answers) are logged by Chromium as network errors too;
     * pass the URL fragments of those that a test provokes in {@code expected}.
     */
    public List<String> consoleErrors(String... expected) {
        return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(entry -> entry.getLevel().intValue() >= Level.SEVERE.intValue())
                .map(LogEntry::getMessage)
                .filter(message -> java.util.Arrays.stream(expected).noneMatch(message::contains))
                .toList();
    }

    /** Asserts the browser console holds no errors (besides {@code expected} ones). */
    public void assertNoConsoleErrors(String... expected) {
        assertThat(consoleErrors(expected)).as("browser console errors").isEmpty();
    }

    /** Whether Chromium and its driver are installed (for a clear message, not to skip: CI installs them). */
    public static boolean installed() {
        return Files.isExecutable(Path.of(System.getenv().getOrDefault("ZAPS_CHROME", "/usr/bin/chromium")))
                && Files.isExecutable(Path.of(System.getenv().getOrDefault("ZAPS_CHROMEDRIVER", "/usr/bin/chromedriver")));
    }

    @Override
    public void close() {
        driver.quit();
    }
}
