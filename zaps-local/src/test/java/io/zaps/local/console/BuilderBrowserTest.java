package io.zaps.local.console;

import com.sun.net.httpserver.HttpServer;
import io.zaps.contract.Json;
import io.zaps.local.ZapsSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The workflow builder (#/builder) in a real Chromium against a real Zaps, used as a person would: steps dragged from
 * the palette onto the canvas and connected by dragging from a port to a node with the mouse, their forms filled
 * in, a save refused by the server with its message on the field, a save that works (checked through the REST API),
 * a test run watched turning the nodes green while a local HTTP sink receives the rendered body; and an existing
 * control-flow workflow (filter → switch → two webhooks) drawn with its case connections, whose JSON view applied
 * and saved again leaves its steps unchanged. Also runs components/builder-model-check.js, the conversion's own checks.
 */
class BuilderBrowserTest {
    private static final String ROUTE = """
            {"id": "route_orders", "name": "Route orders", "entry_point": "only_paid",
             "steps": [
               {"id": "only_paid", "type": "filter", "config": {"condition": "{{ paid }}"}, "next_step_id": "route"},
               {"id": "route", "type": "switch", "config": {
                  "cases": [{"when": "{{ amount > 1000 }}", "next_step_id": "approvals"}], "default_next_step_id": "shop"}},
               {"id": "approvals", "type": "webhook", "config": {"url": "%1$s/approve", "body": {"order": "{{ order_id }}"}}},
               {"id": "shop", "type": "webhook", "config": {"url": "%1$s/ship", "body": {"order": "{{ order_id }}"}}}
             ]}""";

    @TempDir
    static Path dataDir;
    static ZapsSystem zaps;
    static Browser browser;
    static HttpServer sink;
    static String sinkUrl;
    static final List<Received> received = new CopyOnWriteArrayList<>();
    static final HttpClient http = HttpClient.newHttpClient();

    record Received(String path, JsonNode body) {}

    @BeforeAll
    static void start() throws Exception {
        assertThat(Browser.installed()).as("chromium and chromedriver are installed (apt-get install chromium chromium-driver)").isTrue();
        sink = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        sink.createContext("/", exchange -> {
            received.add(new Received(exchange.getRequestURI().getPath(), Json.mapper().readTree(exchange.getRequestBody().readAllBytes())));
            byte[] answer = "{\"ok\": true}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        });
        sink.start();
        sinkUrl = "http://127.0.0.1:" + sink.getAddress().getPort();
        zaps = ZapsSystem.start(new ZapsSystem.Settings(dataDir, 0, freePort(), freePort(), null, Map.of()));
        HttpResponse<String> created = send("POST", "/api/workflows", ROUTE.formatted(sinkUrl));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
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
            sink.stop(0);
        }
    }

    @Test
    void buildADelayAndAWebhookByMouseSaveThemAndWatchATestRun() throws Exception {
        browser.go("#/builder");
        WebElement canvas = browser.await(By.id("builder-canvas"));
        dragFromPalette("delay", canvas, -170, -150);
        dragFromPalette("webhook", canvas, 60, -40);
        browser.await(By.cssSelector(".drawflow-node[data-step='webhook']"));

        // Connect by dragging from the delay's output port to the webhook's input port.
        WebElement out = browser.await(By.cssSelector(".drawflow-node[data-step='delay'] .output[data-port='next']"));
        WebElement in = browser.await(By.cssSelector(".drawflow-node[data-step='webhook'] .input"));
        new Actions(browser.driver()).moveToElement(out).clickAndHold().moveByOffset(30, 10).moveToElement(in).release().perform();
        // (an SVG path: present rather than "visible" to WebDriver)
        new WebDriverWait(browser.driver(), Browser.WAIT).until(d -> !d.findElements(By.cssSelector(".drawflow .connection.output_1")).isEmpty());

        type(By.id("wf-id"), "built_by_hand");
        type(By.id("wf-name"), "Built by hand");
        browser.click(By.cssSelector(".drawflow-node[data-step='delay']"));
        type(By.cssSelector("[data-schemapath='config.seconds'] input:not([type=checkbox])"), "1");
        browser.click(By.cssSelector(".drawflow-node[data-step='webhook']"));
        type(By.id("step-id"), "notify" + Keys.TAB);
        browser.await(By.cssSelector(".drawflow-node[data-step='notify']"));

        // The URL is left empty: the server refuses, naming steps[1].config.url, shown on the node and the field.
        browser.click(By.id("save"));
        browser.awaitText(By.cssSelector("[data-schemapath='config.url'] .server-error"), "is required");
        browser.awaitText(By.cssSelector(".problem-list"), "steps[1].config.url");
        browser.await(By.cssSelector(".drawflow-node.has-problem[data-step='notify']"));

        type(By.cssSelector("[data-schemapath='config.url'] input:not([type=checkbox])"), sinkUrl + "/hook");
        optIn("config.body");
        type(By.cssSelector("[data-schemapath='config.body'] textarea"), "{\"order\": \"{{ order_id }}\", \"by\": \"{{ run.workflow_id }}\"}");
        browser.click(By.id("save"));
        browser.awaitText(By.cssSelector(".version"), "version 1");

        JsonNode saved = Json.mapper().readTree(send("GET", "/api/workflows/built_by_hand", null).body());
        assertThat(saved.get("entry_point").stringValue()).isEqualTo("delay");
        assertThat(saved.get("steps").get(0).get("id").stringValue()).isEqualTo("delay");
        assertThat(saved.get("steps").get(0).get("config")).isEqualTo(Json.mapper().readTree("{\"seconds\": 1}"));
        assertThat(saved.get("steps").get(0).get("next_step_id").stringValue()).isEqualTo("notify");
        assertThat(saved.get("steps").get(1).get("type").stringValue()).isEqualTo("webhook");
        assertThat(saved.get("steps").get(1).get("config").get("url").stringValue()).isEqualTo(sinkUrl + "/hook");

        // Test run of the saved version (nothing changed: no new version) with a sample context; the nodes turn completed live.
        type(By.id("sample-context"), "{\"order_id\": \"B-7\"}");
        browser.click(By.id("save-run"));
        new WebDriverWait(browser.driver(), Browser.WAIT)
                .until(d -> d.findElements(By.cssSelector(".drawflow-node.st-completed")).size() == 2);
        browser.awaitText(By.cssSelector(".run-watch"), "completed");
        assertThat(browser.await(By.cssSelector(".run-watch a")).getAttribute("href")).contains("#/runs/");
        assertThat(received).filteredOn(r -> r.path().equals("/hook")).singleElement()
                .satisfies(r -> assertThat(r.body()).isEqualTo(Json.mapper().readTree("{\"order\": \"B-7\", \"by\": \"built_by_hand\"}")));
        browser.screenshot("builder-test-run");
        browser.assertNoConsoleErrors("api/workflows - Failed to load resource: the server responded with a status of 400");
    }

    @Test
    void anExistingControlFlowWorkflowIsDrawnAndItsJsonRoundTrips() throws Exception {
        JsonNode before = Json.mapper().readTree(send("GET", "/api/workflows/route_orders", null).body());
        browser.go("#/builder/route_orders");
        new WebDriverWait(browser.driver(), Browser.WAIT).until(d -> d.findElements(By.cssSelector(".drawflow-node")).size() == 4);

        // Every connection as "from/port->to", read from what the canvas drew.
        Object drawn = browser.script("""
                const step = (id) => document.getElementById(id).dataset.step;
                return [...document.querySelectorAll('.drawflow .connection')].map((c) => {
                  const cls = [...c.classList];
                  const from = cls.find((k) => k.startsWith('node_out_')).slice(9);
                  const to = cls.find((k) => k.startsWith('node_in_')).slice(8);
                  const out = cls.find((k) => k.startsWith('output_'));
                  const port = document.querySelector('#' + from + ' .outputs .' + out).dataset.port;
                  return step(from) + '/' + port + '->' + step(to);
                });""");
        assertThat(((List<?>) drawn).stream().map(String::valueOf).toList()).containsExactlyInAnyOrder(
                "only_paid/next->route", "route/case:0->approvals", "route/default->shop");
        browser.await(By.cssSelector(".drawflow-node.entry[data-step='only_paid']"));
        browser.screenshot("builder");

        // Select the switch from the step list (the keyboard's way): its ports are in its form.
        browser.click(By.cssSelector(".step-item[data-step='route']"));
        browser.awaitText(By.cssSelector(".step-form"), "Switch");
        assertThat(browser.await(By.id("step-port-case-0")).getAttribute("value")).isEqualTo("approvals");
        assertThat(browser.await(By.id("step-port-default")).getAttribute("value")).isEqualTo("shop");
        browser.awaitText(By.cssSelector(".builder-vars"), "steps.only_paid.output");

        // The JSON view, applied unchanged and saved, keeps every step as it was.
        browser.click(By.id("tab-json"));
        assertThat(browser.await(By.id("builder-json")).getAttribute("value")).contains("\"default_next_step_id\": \"shop\"");
        browser.click(By.id("json-apply"));
        new WebDriverWait(browser.driver(), Browser.WAIT).until(d -> d.findElements(By.cssSelector(".drawflow-node")).size() == 4);
        browser.click(By.id("save"));
        browser.awaitText(By.cssSelector(".version"), "version 2");
        JsonNode after = Json.mapper().readTree(send("GET", "/api/workflows/route_orders", null).body());
        assertThat(after.get("version").intValue()).isEqualTo(2);
        assertThat(after.get("steps")).isEqualTo(before.get("steps"));
        assertThat(after.get("entry_point")).isEqualTo(before.get("entry_point"));
        browser.assertNoConsoleErrors();
    }

    @Test
    void theCanvasConversionChecksPass() {
        browser.go("#/builder");
        browser.await(By.id("builder-canvas"));
        Object failures = ((org.openqa.selenium.JavascriptExecutor) browser.driver()).executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                import('./console/components/builder-model-check.js').then((m) => done(m.check()), (e) => done(['import: ' + e]));""");
        assertThat((List<?>) failures).isEmpty();
    }

    /** Drags a palette item with the mouse (pointer events, as a person would) onto the canvas, offsets from its centre. */
    private static void dragFromPalette(String type, WebElement canvas, int x, int y) {
        WebElement item = browser.await(By.cssSelector(".palette-item[data-type='" + type + "']"));
        browser.script("arguments[0].scrollIntoView({block: 'nearest'})", item);
        new Actions(browser.driver()).moveToElement(item).clickAndHold().moveByOffset(20, 5).moveToElement(canvas, x, y).release().perform();
        browser.await(By.cssSelector(".drawflow-node[data-step='" + type + "']"));
    }

    /**
     * Ticks an optional field's opt-in box until its editor is enabled, as a person would tick it again: the click may
     * land while the form still settles from the field left before it (its change is taken on blur, JSONEditor's
     * validation a frame later, and the layout moves under the pointer), which CI once saw leave the box unticked.
     */
    private static void optIn(String schemaPath) {
        String field = "[data-schemapath='" + schemaPath + "'] ";
        new WebDriverWait(browser.driver(), Browser.WAIT).ignoring(StaleElementReferenceException.class).until(d -> {
            WebElement box = d.findElement(By.cssSelector(field + "input.json-editor-opt-in"));
            if (!box.isSelected()) {
                box.click();
            }
            List<WebElement> editors = d.findElements(By.cssSelector(field + "textarea"));
            return !editors.isEmpty() && editors.get(0).isEnabled();
        });
    }

    /** Replaces a field's text as a person would (select all, type). */
    private static void type(By by, String text) {
        WebElement field = browser.awaitClickable(by);
        field.sendKeys(Keys.chord(Keys.CONTROL, "a"), text);
    }

    static HttpResponse<String> send(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(zaps.gatewayUrl() + path)).header("Content-Type", "application/json");
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
