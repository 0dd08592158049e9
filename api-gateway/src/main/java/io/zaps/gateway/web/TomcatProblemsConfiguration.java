package io.zaps.gateway.web;

import org.apache.catalina.core.StandardHost;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/**
 * Makes the embedded Tomcat answer its own errors as problems: {@link ProblemErrorReportValve} takes the place of
 * Tomcat's HTML {@code ErrorReportValve} on the host. Tomcat's defaults stay as they are: an encoded {@code /} or
 * {@code \} in a path is refused (400), never decoded into a path separator.
 */
@Configuration(proxyBeanMethods = false)
class TomcatProblemsConfiguration {

    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> gatewayTomcatProblems(JsonMapper mapper) {
        return factory -> factory.addContextCustomizers(context -> {
            // The context is already a child of its host when customizers run, and the host is not started yet. The
            // host adds an ErrorReportValve when it starts unless one of errorReportValveClass is in its pipeline.
            if (context.getParent() instanceof StandardHost host) {
                host.setErrorReportValveClass(ProblemErrorReportValve.class.getName());
                host.getPipeline().addValve(new ProblemErrorReportValve(mapper));
            }
        });
    }
}
