package io.zaps.gateway;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/** The one line the local launcher waits for. */
@Component
class ReadyLogger {
    private static final Logger log = LoggerFactory.getLogger(ReadyLogger.class);

    @EventListener
    void onReady(ApplicationReadyEvent event) {
        // Only the gateway's own context: a child context would publish the event again.
        if (event.getApplicationContext() instanceof WebServerApplicationContext web && web.getWebServer() != null) {
            log.info("zaps api-gateway ready on http://localhost:{} (docs: /docs)", web.getWebServer().getPort());
        }
    }
}
