package io.zaps.gateway.run;

import io.zaps.gateway.GatewayProperties;
import io.zaps.gateway.projection.RunEndListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The gateway's {@link RunAdmission}, and how it learns that runs ended: from this gateway's projector (every final
 * snapshot it saved, a {@link RunEndListener}), and from the run-event tail for the partitions other gateways project
 * ({@code io.zaps.gateway.hook.RunEndTail}, when {@code zaps.gateway.completion-tail} is on).
 */
@Configuration(proxyBeanMethods = false)
class AdmissionConfiguration {

    @Bean
    RunAdmission gatewayRunAdmission(GatewayProperties properties) {
        GatewayProperties.AdmissionSettings settings = properties.admission();
        return new RunAdmission(settings.maxUnfinishedRuns(), settings.countFor(), settings.retryAfter(), System::nanoTime);
    }

    @Bean
    RunEndListener gatewayAdmissionEnds(RunAdmission gatewayRunAdmission) {
        return run -> gatewayRunAdmission.finished(run.runId());
    }
}
