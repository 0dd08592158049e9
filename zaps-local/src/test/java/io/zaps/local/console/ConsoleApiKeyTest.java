package io.zaps.local.console;

import io.zaps.local.ZapsSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Zaps with API keys ({@code ZAPS_API_KEYS}, read by the gateway as {@code zaps.gateway.api-keys}): the console asks for the
 * key once, keeps it in the browser and then lists the runs. Its own class because it needs its own system.
 */
class ConsoleApiKeyTest {
    static final String KEY = "console-test-key-7f3a";
    @TempDir
    static Path dataDir;
    static ZapsSystem zaps;
    static Browser browser;

    @BeforeAll
    static void start() throws IOException {
        assertThat(Browser.installed()).as("chromium and chromedriver are installed").isTrue();
        zaps = ZapsSystem.start(new ZapsSystem.Settings(dataDir, 0, ConsoleShellTest.freePort(), ConsoleShellTest.freePort(), null,
                Map.of("ZAPS_API_KEYS", KEY)));
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
    }

    @Test
    void theConsoleAsksForTheKeyOnceThenListsTheRuns() throws Exception {
        ConsoleApi api = new ConsoleApi(zaps.gatewayUrl(), KEY);
        assertThat(new ConsoleApi(zaps.gatewayUrl(), null).send("GET", "/api/workflows", null).statusCode()).isEqualTo(401);
        api.create("""
                {"id": "keyed", "name": "Keyed", "entry_point": "wait",
                 "steps": [{"id": "wait", "type": "delay", "config": {"seconds": 1}}]}""");
        String runId = api.trigger("keyed", "{}");

        browser.go("#/runs");
        browser.await(By.id("key-dialog"));
        browser.screenshot("api-key");
        browser.await(By.id("key-input")).sendKeys(KEY);
        browser.click(By.id("key-save"));
        browser.await(By.cssSelector("tr[data-run-id='" + runId + "']"));
        new WebDriverWait(browser.driver(), Browser.WAIT).until(d -> "● live".equals(d.findElement(By.id("runs-live")).getText()));
        assertThat(browser.script("return localStorage.getItem('zaps.apiKey')")).isEqualTo(KEY);

        // Once: moving on to another page needs no second prompt.
        browser.go("#/workflows");
        browser.await(By.cssSelector("tr[data-workflow-id='keyed']"));
        assertThat((Boolean) browser.script("return document.getElementById('key-dialog').open")).isFalse();
        // The calls made before the key was entered were refused (401) once, on purpose.
        browser.assertNoConsoleErrors("401");
    }
}
