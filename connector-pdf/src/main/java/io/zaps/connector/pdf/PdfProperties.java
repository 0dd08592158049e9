package io.zaps.connector.pdf;

import io.zaps.connector.net.Cidr;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.nio.file.Path;
import java.util.List;

/**
 * The PDF connector's settings ({@code zaps.pdf.*}); how requests are consumed is under
 * {@code zaps.connector.*}.
 *
 * @param dataDir             the shared data folder whose {@code attachments/} hold the documents
 *                            that {@code ref} names ({@code ZAPS_DATA_DIR}, default {@code ./.zaps})
 * @param maxDocumentBytes    the largest PDF read, from the store or downloaded; larger fails the step
 * @param maxTextChars        how much text the output keeps (all pages together); the rest is cut and
 *                            {@code text_truncated} set. Rules see the whole text of the pages read.
 * @param deniedCidrs         address blocks {@code url} may never download from, on top of the
 *                            always-denied link-local and cloud metadata addresses
 *                            ({@code ZAPS_PDF_DENIED_CIDRS}, comma-separated)
 * @param denyPrivateNetworks also deny loopback and private ranges; off by default for local development
 */
@Validated
@ConfigurationProperties("zaps.pdf")
public record PdfProperties(
        @DefaultValue("./.zaps") @NotNull Path dataDir,
        @DefaultValue("20971520") @Min(1024) @Max(268_435_456) int maxDocumentBytes,
        @DefaultValue("100000") @Min(1000) @Max(10_000_000) int maxTextChars,
        @DefaultValue({}) @NotNull List<String> deniedCidrs,
        @DefaultValue("false") boolean denyPrivateNetworks) {

    public PdfProperties {
        dataDir = dataDir == null ? Path.of("./.zaps") : dataDir;
        // An empty ZAPS_PDF_DENIED_CIDRS binds as one blank entry.
        deniedCidrs = deniedCidrs == null ? List.of() : deniedCidrs.stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
        deniedCidrs.forEach(Cidr::parse);
    }
}
