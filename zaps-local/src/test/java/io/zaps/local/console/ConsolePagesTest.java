package io.zaps.local.console;

import io.zaps.local.ZapsSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console's pages in a real Chromium against a real Zaps (issue 15), used as a person would: runs appear and
 * finish live, a run's step output and error are shown, Retry completes a fixed run, a template becomes a workflow
 * through its form, a secret is set, listed without its value and deleted. Screenshots of each page go to
 * {@code target/console-screenshots/}.
 */
class ConsolePagesTest {
    @TempDir
    static Path dataDir;
    static ZapsSystem zaps;
    static TestSink sink;
    static ConsoleApi api;
    static Browser browser;

    @BeforeAll
    static void start() throws IOException {
        assertThat(Browser.installed()).as("chromium and chromedriver are installed (apt-get install chromium chromium-driver)").isTrue();
        sink = TestSink.start();
        zaps = ZapsSystem.start(new ZapsSystem.Settings(dataDir, 0, ConsoleShellTest.freePort(), ConsoleShellTest.freePort(), null, Map.of()));
        api = new ConsoleApi(zaps.gatewayUrl(), null);
        browser = Browser.open(zaps.gatewayUrl(), 1280, 800);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        if (zaps != null) {
            zaps.close();
        }
        if (sink != null) {
            sink.close();
        }
    }

    @AfterEach
    void noErrorsInTheBrowserConsole() {
        browser.assertNoConsoleErrors();
    }

    @Test
    void aRunAppearsAndCompletesLiveOnTheRunsPageAndItsStepOutputIsShown() throws Exception {
        api.create("""
                {"id": "pages_hello", "name": "Pages hello", "entry_point": "wait",
                 "steps": [{"id": "wait", "type": "delay", "config": {"seconds": 1}, "next_step_id": "call"},
                           {"id": "call", "type": "webhook", "config": {"url": "%s/ok", "body": {"who": "{{ who }}"}}}]}"""
                .formatted(sink.url()));
        browser.go("#/runs");
        browser.await(By.cssSelector("#runs-live"));
        new WebDriverWait(browser.driver(), Browser.WAIT).until(d -> "● live".equals(d.findElement(By.id("runs-live")).getText()));

        String runId = api.trigger("pages_hello", "{\"who\": \"ada\"}");
        // No reload: the row arrives over the stream and changes status in place.
        browser.await(By.cssSelector("tr[data-run-id='" + runId + "']"));
        browser.await(By.cssSelector("tr[data-run-id='" + runId + "'][data-status='completed']"));
        browser.screenshot("runs");
        // The completed chip counted it (other tests' runs may be counted too).
        new WebDriverWait(browser.driver(), Browser.WAIT).until(d -> Integer.parseInt(
                d.findElement(By.cssSelector(".chip[data-status='completed'] .count")).getText().trim()) >= 1);

        browser.click(By.cssSelector("tr[data-run-id='" + runId + "'] a.run-link"));
        browser.awaitText(By.id("run-status"), "completed");
        browser.click(By.cssSelector(".rg-node[data-step-id='call']"));
        browser.awaitText(By.id("step-output"), "status_code");
        browser.awaitText(By.id("step-input"), "ada");
        assertThat(browser.all(By.cssSelector("svg.timeline rect.tl-bar"))).hasSizeGreaterThanOrEqualTo(2);
        browser.screenshot("run");

        // Keyboard: the steps are buttons; Enter on one opens its panel.
        WebElement wait = browser.await(By.cssSelector(".rg-node[data-step-id='wait']"));
        wait.sendKeys(Keys.ENTER);
        browser.awaitText(By.id("step-title"), "wait");
        browser.awaitText(By.id("step-output"), "fired_at");

        // The workflows list shows the run in its statistics: last run, runs in 24 h, the hourly sparkline.
        browser.go("#/workflows");
        browser.await(By.cssSelector("tr[data-workflow-id='pages_hello'] svg.spark rect.sp-ok"));
        browser.screenshot("workflows");
    }

    @Test
    void aFailingRunShowsItsErrorAndRetryCompletesItOnceTheSinkIsFixed() throws Exception {
        sink.failing(true);
        api.create("""
                {"id": "pages_flaky", "name": "Pages flaky", "entry_point": "call",
                 "steps": [{"id": "call", "type": "webhook", "config": {"url": "%s/flaky"}, "retry": {"max_attempts": 1}}]}"""
                .formatted(sink.url()));
        String runId = api.trigger("pages_flaky", "{}");
        api.awaitStatus(runId, "failed");

        browser.go("#/runs/" + runId);
        browser.awaitText(By.id("run-status"), "failed");
        browser.awaitText(By.id("run-error"), "HTTP 500");
        browser.awaitText(By.id("step-error"), "HTTP 500");
        browser.await(By.cssSelector(".rg-node[data-step-id='call'][data-status='failed']"));
        browser.screenshot("run-failed");

        sink.failing(false);
        browser.click(By.id("run-retry"));
        browser.awaitText(By.id("run-status"), "completed");
        browser.awaitText(By.id("step-output"), "\"ok\": true");
    }

    @Test
    void aTemplateBecomesAWorkflowThroughItsFormAndIsListed() {
        browser.go("#/templates");
        browser.click(By.cssSelector("[data-template='invoice_reminder'] button.primary"));
        type(browser.await(By.id("tpl-workflow_id")), "reminder_from_template");
        type(browser.await(By.id("tpl-workflow_name")), "Reminder from a template");
        type(browser.await(By.id("tpl-webhook_url")), sink.url() + "/notify");
        browser.screenshot("templates");
        browser.click(By.id("template-create"));

        new WebDriverWait(browser.driver(), Browser.WAIT).until(ExpectedConditions.urlContains("#/workflows/reminder_from_template"));
        browser.awaitText(By.tagName("h1"), "Reminder from a template");
        browser.screenshot("workflow");
        browser.go("#/workflows");
        browser.awaitText(By.cssSelector("tr[data-workflow-id='reminder_from_template'] a.wf-link"), "Reminder from a template");
    }

    @Test
    void aSecretIsSetListedWithoutItsValueAndDeleted() {
        browser.go("#/secrets");
        type(browser.await(By.id("secret-name")), "pages_token");
        type(browser.await(By.id("secret-value")), "s3cr3t-value-never-shown");
        browser.click(By.id("secret-save"));
        browser.await(By.cssSelector("tr[data-secret='pages_token']"));
        assertThat(browser.driver().getPageSource()).doesNotContain("s3cr3t-value-never-shown");
        assertThat(browser.await(By.id("secret-value")).getAttribute("type")).isEqualTo("password");
        browser.screenshot("secrets");

        browser.click(By.cssSelector("tr[data-secret='pages_token'] button.danger"));
        new WebDriverWait(browser.driver(), Browser.WAIT).until(ExpectedConditions.alertIsPresent()).accept();
        new WebDriverWait(browser.driver(), Browser.WAIT)
                .until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector("tr[data-secret='pages_token']")));
    }

    @Test
    void everyPageReadsAtPhoneWidth() throws Exception {
        api.create("""
                {"id": "pages_phone", "name": "Pages phone", "entry_point": "call",
                 "steps": [{"id": "call", "type": "webhook", "config": {"url": "%s/ok"}}]}""".formatted(sink.url()));
        String runId = api.trigger("pages_phone", "{}");
        api.awaitStatus(runId, "completed");
        try {
            browser.resize(390, 844);
            browser.go("#/runs");
            browser.await(By.cssSelector("tr[data-run-id='" + runId + "']"));
            assertThat((Boolean) browser.script("return document.documentElement.scrollWidth <= window.innerWidth + 1"))
                    .as("no sideways scrolling of the page at 390 px").isTrue();
            browser.screenshot("runs-phone");
            browser.go("#/runs/" + runId);
            browser.awaitText(By.id("run-status"), "completed");
            browser.screenshot("run-phone");
        } finally {
            browser.resize(1280, 800);
        }
    }

    /** Replaces an input's text as a person would: select all, type. */
    static void type(WebElement input, String text) {
        input.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);
        input.sendKeys(text);
        assertThat(input.getAttribute("value")).isEqualTo(text);
    }
}
