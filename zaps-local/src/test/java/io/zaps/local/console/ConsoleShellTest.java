package io.zaps.local.console;

import io.zaps.local.ZapsSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The console's shell in a real Chromium against a real Zaps: it loads offline from the gateway, without errors. */
class ConsoleShellTest {
    @TempDir
    static Path dataDir;
    static ZapsSystem zaps;
    static Browser browser;

    @BeforeAll
    static void start() throws IOException {
        assertThat(Browser.installed()).as("chromium and chromedriver are installed (apt-get install chromium chromium-driver)").isTrue();
        zaps = ZapsSystem.start(new ZapsSystem.Settings(dataDir, 0, freePort(), freePort(), null, Map.of()));
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
    void theConsoleLoadsAtTheRootWithEveryLibraryAndNoErrors() {
        browser.go("");
        browser.await(By.cssSelector("header.top nav a[data-page='runs'].active"));
        Object libraries = browser.script("return [typeof Drawflow, typeof dagre, typeof JSONEditor, typeof Diff].join(',')");
        assertThat(libraries).isEqualTo("function,object,function,object");
        browser.screenshot("shell");
        browser.assertNoConsoleErrors();
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
