package io.zaps.kafka.logging;

import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LogFormatTest {

    @Test
    void json_is_the_elastic_common_schema_and_text_is_plain() {
        assertThat(LogFormat.structured("json")).contains("ecs");
        assertThat(LogFormat.structured(" LOGSTASH ")).contains("logstash");
        assertThat(LogFormat.structured("gelf")).contains("gelf");
        assertThat(LogFormat.structured("text")).isEmpty();
        assertThat(LogFormat.structured(null)).isEmpty();
        assertThatThrownBy(() -> LogFormat.structured("xml")).hasMessageContaining("ZAPS_LOG_FORMAT");
    }

    @Test
    void a_service_alone_gets_spring_boots_structured_console_unless_it_is_set_itself() {
        MockEnvironment environment = new MockEnvironment().withProperty("ZAPS_LOG_FORMAT", "json");
        new LogFormatEnvironmentPostProcessor().postProcessEnvironment(environment, new SpringApplication());
        assertThat(environment.getProperty("logging.structured.format.console")).isEqualTo("ecs");

        MockEnvironment explicit = new MockEnvironment().withProperty("ZAPS_LOG_FORMAT", "json")
                .withProperty("logging.structured.format.console", "gelf");
        new LogFormatEnvironmentPostProcessor().postProcessEnvironment(explicit, new SpringApplication());
        assertThat(explicit.getProperty("logging.structured.format.console")).isEqualTo("gelf");
    }
}
