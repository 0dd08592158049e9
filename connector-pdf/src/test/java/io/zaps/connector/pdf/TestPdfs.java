package io.zaps.connector.pdf;

import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.encryption.AccessPermission;
import org.apache.pdfbox.pdmodel.encryption.StandardProtectionPolicy;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/** Real PDFs, made with PDFBox in the test. */
final class TestPdfs {
    static final List<String> INVOICE_PAGE_1 = List.of("ACME Corp - INVOICE", "Invoice number: INV-42", "Amount: $150.00",
            "Due date: 2026-12-01");
    static final List<String> INVOICE_PAGE_2 = List.of("Terms: payable within 30 days", "Thank you for your business.");

    private TestPdfs() {
    }

    /** A two-page invoice with a text layer. */
    static byte[] invoice() {
        return pdf(null, INVOICE_PAGE_1, INVOICE_PAGE_2);
    }

    /** The invoice, encrypted with a user password (cannot be opened without it). */
    static byte[] passwordProtectedInvoice() {
        return pdf(new StandardProtectionPolicy("owner-secret", "user-secret", new AccessPermission()), INVOICE_PAGE_1);
    }

    /** The invoice, encrypted without a user password but forbidding text extraction. */
    static byte[] extractionForbiddenInvoice() {
        AccessPermission permission = new AccessPermission();
        permission.setCanExtractContent(false);
        return pdf(new StandardProtectionPolicy("owner-secret", "", permission), INVOICE_PAGE_1);
    }

    /**
     * The committed scanned-like sample: one A5 page holding only a JPEG of an invoice, no text
     * layer. Made once with PDFBox (JPEGFactory.createFromImage of a Java2D-drawn image, drawImage).
     */
    static byte[] scannedInvoice() {
        try (InputStream in = TestPdfs.class.getResourceAsStream("/scanned-invoice.pdf")) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SafeVarargs
    static byte[] pdf(StandardProtectionPolicy protection, List<String>... pages) {
        try (PDDocument document = new PDDocument()) {
            PDType1Font font = new PDType1Font(Standard14Fonts.FontName.HELVETICA);
            for (List<String> lines : pages) {
                PDPage page = new PDPage(PDRectangle.A4);
                document.addPage(page);
                try (PDPageContentStream content = new PDPageContentStream(document, page)) {
                    content.beginText();
                    content.setFont(font, 12);
                    content.setLeading(18);
                    content.newLineAtOffset(60, 760);
                    for (String line : lines) {
                        content.showText(line);
                        content.newLine();
                    }
                    content.endText();
                }
            }
            if (protection != null) {
                protection.setEncryptionKeyLength(128);
                document.protect(protection);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            document.save(out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
