package io.zaps.connector.pdf;

import io.zaps.kafka.health.Readiness;
import io.zaps.connector.ConnectorProperties;
import io.zaps.connector.net.OutboundAddressPolicy;

import io.zaps.store.AttachmentStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.EventListener;

import java.util.Map;

/**
 * The PDF connector: consumes {@code zaps.step-requests.pdf_extract} (the wiring comes from
 * zaps-connector-kit) and extracts text and fields from PDFs in the attachment store or at a URL.
 *
 * <p>Its configuration lives in {@code connector-pdf.yml} (not {@code application.yml}: the local
 * launcher runs several services on one class path). Start it through {@link #application()}.
 */
@SpringBootApplication(scanBasePackages = "io.zaps.connector.pdf")
@EnableConfigurationProperties({PdfProperties.class, ConnectorProperties.class})
public class PdfConnectorApplication {
    private static final Logger log = LoggerFactory.getLogger(PdfConnectorApplication.class);

    /** The base name of this service's configuration files ({@code connector-pdf.yml}). */
    public static final String CONFIG_NAME = "connector-pdf";

    /** Deployed alone: with its own health and metrics on its management port ({@link Readiness#STANDALONE_PROFILE}). */
    public static void main(String[] args) {
        SpringApplication application = application();
        application.setAdditionalProfiles(Readiness.STANDALONE_PROFILE);
        application.run(args);
    }

    /** The service's application, ready to {@code run(args)}; also how a launcher starts it next to other services. */
    public static SpringApplication application() {
        SpringApplication application = new SpringApplication(PdfConnectorApplication.class);
        application.setDefaultProperties(Map.of("spring.config.name", CONFIG_NAME));
        return application;
    }

    @Bean
    PdfExtractHandler pdfExtractHandler(PdfProperties properties, ConnectorProperties connector) {
        DocumentSource source = new DocumentSource(new AttachmentStore(properties.dataDir()), DocumentSource.newHttpClient(),
                OutboundAddressPolicy.of(properties.deniedCidrs(), properties.denyPrivateNetworks(), "zaps.pdf")
                        .refusingGateway(connector.refusedGatewayAddresses()),
                properties.maxDocumentBytes());
        return new PdfExtractHandler(source, new SchemaCheck(), properties.maxTextChars());
    }

    // Ready is published after every lifecycle bean started, the kit's listener containers included.
    @EventListener(ApplicationReadyEvent.class)
    void ready() {
        log.info("zaps connector-pdf ready");
    }
}
