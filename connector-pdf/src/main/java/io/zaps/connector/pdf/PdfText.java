package io.zaps.connector.pdf;

import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.encryption.InvalidPasswordException;
import org.apache.pdfbox.text.PDFTextStripper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Text per page with Apache PDFBox, and why a document cannot give any. */
final class PdfText {
    /** A PDF starts with this within its first KiB (the spec allows leading junk, readers allow 1024 bytes). */
    private static final byte[] MAGIC = "%PDF-".getBytes(StandardCharsets.US_ASCII);
    private static final int MAGIC_WINDOW = 1024;

    /** One page's text, numbered from 1. */
    record Page(int number, String text) {
    }

    /**
     * @param pages     the pages read (at most {@code maxPages})
     * @param pageCount how many pages the document has
     */
    record Document(List<Page> pages, int pageCount) {
    }

    private PdfText() {
    }

    /**
     * Reads the text of the first {@code maxPages} pages.
     *
     * @throws ExtractionFailedException (permanent) for a non-PDF, a corrupt or encrypted PDF, and one
     *                                   with no text layer; (retryable) when the deadline passes
     */
    static Document extract(byte[] bytes, int maxPages, Instant deadline) throws ExtractionFailedException {
        if (!looksLikePdf(bytes)) {
            throw ExtractionFailedException.permanent("not a PDF: the document does not start with %PDF- ("
                    + bytes.length + " bytes)");
        }
        try (PDDocument document = Loader.loadPDF(bytes)) {
            if (document.isEncrypted() && !document.getCurrentAccessPermission().canExtractContent()) {
                throw ExtractionFailedException.permanent("encrypted PDF: text extraction is not permitted");
            }
            int pageCount = document.getNumberOfPages();
            if (pageCount == 0) {
                throw ExtractionFailedException.permanent("corrupt PDF: no pages found");
            }
            PDFTextStripper stripper = new PDFTextStripper();
            stripper.setSortByPosition(true);
            List<Page> pages = new ArrayList<>();
            int last = Math.min(pageCount, maxPages);
            for (int number = 1; number <= last; number++) {
                if (Instant.now().isAfter(deadline)) {
                    throw ExtractionFailedException.retryable("timed out extracting text after " + (number - 1) + " of " + last + " pages");
                }
                stripper.setStartPage(number);
                stripper.setEndPage(number);
                pages.add(new Page(number, stripper.getText(document).strip()));
            }
            if (pages.stream().allMatch(page -> page.text().isBlank())) {
                throw ExtractionFailedException.permanent("no text layer: none of the " + last + " page(s) read has extractable text"
                        + " (a scanned image? OCR is not supported)");
            }
            return new Document(pages, pageCount);
        } catch (InvalidPasswordException e) {
            throw ExtractionFailedException.permanent("encrypted PDF: a password is required to open it");
        } catch (IOException | RuntimeException e) {
            // PDFBox reports damaged structure as IOException, and some damage as runtime exceptions.
            throw ExtractionFailedException.permanent("corrupt PDF: " + e.getMessage());
        }
    }

    static boolean looksLikePdf(byte[] bytes) {
        int window = Math.min(bytes.length, MAGIC_WINDOW) - MAGIC.length;
        for (int start = 0; start <= window; start++) {
            boolean match = true;
            for (int i = 0; i < MAGIC.length && match; i++) {
                match = bytes[start + i] == MAGIC[i];
            }
            if (match) {
                return true;
            }
        }
        return false;
    }
}
