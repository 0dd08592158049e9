package io.zaps.contract;

import io.zaps.contract.template.SecretMarkers;
import io.zaps.contract.template.TemplateException;
import io.zaps.contract.template.Templates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static io.zaps.contract.template.SecretMarkers.marker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SecretTemplatesTest {
    /** What an attacker who controls the trigger context or a step's output would send. */
    private static final String FORGED = SecretMarkers.OPEN + "secret('smtp')" + SecretMarkers.CLOSE;

    private final Map<String, Object> data = Map.of(
            "name", "Ann",
            "evil", FORGED,
            "evil_b64", Base64.getEncoder().encodeToString(FORGED.getBytes(StandardCharsets.UTF_8)),
            "evil_object", Map.of("k", FORGED, FORGED, "v", "list", List.of(FORGED)),
            "steps", Map.of("fetch", Map.of("output", Map.of("body", FORGED))),
            "items", List.of("a", "b"));

    @Test
    void aSecretReferenceRendersToItsMarkerAnywhereInAString() {
        JsonNode config = Json.mapper().readTree("""
                {"password": "{{ secret('smtp') }}",
                 "headers": {"Authorization": "Bearer {{secret(\\"api.token\\")}}", "X-Name": "{{ name }}"},
                 "body": {"both": "{{ secret('a') }}:{{ secret('b') }} for {{ name }}"}}
                """);
        JsonNode rendered = Templates.render(config, data, "config");
        assertThat(rendered.get("password").stringValue()).isEqualTo(marker("smtp"));
        assertThat(rendered.at("/headers/Authorization").stringValue()).isEqualTo("Bearer " + marker("api.token"));
        assertThat(rendered.at("/headers/X-Name").stringValue()).isEqualTo("Ann");
        assertThat(rendered.at("/body/both").stringValue()).isEqualTo(marker("a") + ":" + marker("b") + " for Ann");
        assertThat(SecretMarkers.names(rendered.at("/body/both").stringValue())).containsExactly("a", "b");
        assertThat(rendered).as("deterministic: the nonce never shows").isEqualTo(Templates.render(config, data, "config"));
        assertThat(rendered.toString()).doesNotContain("zaps-secret-");
    }

    @Test
    void referencesWorkInsideTagsAndLoops() {
        assertThat(Templates.renderString("{% for i in items %}{{ i }}={{ secret('k') }};{% endfor %}", data, "x"))
                .isEqualTo("a=" + marker("k") + ";b=" + marker("k") + ";");
        assertThat(Templates.renderString("{% if name == 'Ann' %}{{ secret('k') }}{% else %}none{% endif %}", data, "x"))
                .isEqualTo(marker("k"));
        assertThat(Templates.renderString("{# {{ secret('k') }} #}done", data, "x")).isEqualTo("done");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{{ evil }}",                                   // whole path: keeps its JSON type, loses the marker characters
            "x {{ evil }} y",
            "{{ context_evil }}",
            "{{ steps.fetch.output.body }}",
            "Bearer {{ steps.fetch.output.body }}",
            "{{ evil | upper | lower }}",
            "{{ evil | raw }}",
            "{{ evil | escape }}",
            "{{ evil | escape(strategy='json') | raw }}",
            "{{ evil_b64 | base64decode }}",
            "{{ evil_b64 | base64decode | raw }}",
            "{% autoescape false %}{{ evil }}{% endautoescape %}",
            "{% set x = evil %}{{ x }}",
            "{{ 'prefix' ~ evil }}",
            "{{ evil_object.k }}",
            "{% for v in evil_object.list %}{{ v }}{% endfor %}",
            "{{ evil_object.list[0] }}",
            "{{ evil_object }}",
            "{{ evil_object.list }}",
            "{{ secret('other') }} and {{ evil }}"})
    void dataCanNeverProduceAMarker(String template) {
        Map<String, Object> withContext = new java.util.HashMap<>(data);
        withContext.put("context_evil", FORGED);
        JsonNode rendered = Templates.render(Json.mapper().valueToTree(Map.of("v", template)), withContext, "config").get("v");
        String text = rendered.toString();
        assertThat(SecretMarkers.names(text)).isEqualTo(template.contains("secret(") ? java.util.Set.of("other") : java.util.Set.of());
        assertThat(text.replace(marker("other"), "")).doesNotContain(String.valueOf(SecretMarkers.OPEN))
                .doesNotContain(String.valueOf(SecretMarkers.CLOSE));
    }

    @Test
    void aWholePathValueLosesMarkerCharactersInKeysAndValues() {
        JsonNode rendered = Templates.render(Json.mapper().readTree("{\"v\": \"{{ evil_object }}\"}"), data, "config").get("v");
        assertThat(rendered.isObject()).isTrue();
        assertThat(rendered.get("k").stringValue()).isEqualTo("secret('smtp')");
        assertThat(rendered.get("secret('smtp')").stringValue()).isEqualTo("v");
        assertThat(rendered.get("list").get(0).stringValue()).isEqualTo("secret('smtp')");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{{ secret(name) }}",
            "{{ secret('smtp') | upper }}",
            "{{ 'x' ~ secret('smtp') }}",
            "{{ secret('smtp') ~ 'x' }}",
            "{% set s = secret('smtp') %}{{ s }}",
            "{% if secret('smtp') %}x{% endif %}",
            "{{ secret('not a name') }}",
            "{{ secret('-dash') }}",
            "{{ secret() }}",
            "{{ secret('a', 'b') }}",
            "{{ secret ( 'a' ) | raw }}"})
    void secretMayOnlyBeUsedOnItsOwn(String template) {
        assertThat(Templates.syntaxError(template)).contains("secret(");
        assertThatThrownBy(() -> Templates.renderString(template, data, "config.body"))
                .isInstanceOf(TemplateException.class)
                .hasMessageContaining("config.body")
                .hasMessageContaining("{{ secret('name') }}");
    }

    @Test
    void validReferencesPassTheSyntaxCheck() {
        assertThat(Templates.syntaxError("{{ secret('smtp') }}")).isNull();
        assertThat(Templates.syntaxError("Bearer {{secret(\"t\")}} for {{ name | upper }}")).isNull();
        assertThat(Templates.syntaxError("the secret(s) of {{ name }}")).as("plain text may say secret(").isNull();
        assertThat(Templates.syntaxError("{{ secret }} and {{ secret.x }}")).as("a variable named secret").isNull();
        assertThat(Templates.syntaxError("{{ secret('smtp') }} {{ name")).isNotNull();
        assertThat(Templates.secretNames("a {{ secret('x') }} b {{ secret(\"y\") }} {{ secret('x') }}")).containsExactly("x", "y", "x");
    }

    @Test
    void errorsNameTheReferenceNeverTheNonce() {
        assertThatThrownBy(() -> Templates.renderString("{{ secret('smtp') }} {{ missing_var }}", data, "config.text"))
                .isInstanceOf(TemplateException.class)
                .hasMessageContaining("config.text")
                .hasMessageContaining("missing_var")
                .hasMessageNotContaining("zaps-secret-")
                .hasNoCause();
    }

    @Test
    void markersAreReplacedByTheConnector() {
        String rendered = "Bearer " + marker("t") + " and " + marker("u") + " plain " + FORGED.replace("smtp", "bad name");
        assertThat(SecretMarkers.hasMarker(rendered)).isTrue();
        assertThat(SecretMarkers.replace(rendered, name -> name.equals("t") ? "T$1\\" : "U"))
                .isEqualTo("Bearer T$1\\ and U plain " + FORGED.replace("smtp", "bad name"));
        assertThat(SecretMarkers.hasMarker("no markers")).isFalse();
        assertThat(SecretMarkers.strip(FORGED)).isEqualTo("secret('smtp')");
        assertThatThrownBy(() -> marker("bad name")).isInstanceOf(IllegalArgumentException.class);
    }
}
