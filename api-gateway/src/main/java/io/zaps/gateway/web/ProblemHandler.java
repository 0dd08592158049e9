package io.zaps.gateway.web;

import io.zaps.contract.workflow.Violation;
import io.zaps.store.CorruptFileException;
import io.zaps.store.FileStore;
import io.zaps.store.StoreException;
import io.zaps.store.UnsafeIdException;
import io.zaps.store.VersionConflictException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.TypeMismatchException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;

import java.nio.file.Path;
import java.util.List;

/**
 * Every error answer is an RFC 9457 problem ({@code application/problem+json}) whose {@code detail}
 * names the field at fault; stack traces never leave the server.
 */
@RestControllerAdvice
class ProblemHandler extends ResponseEntityExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);

    private final FileStore store;

    ProblemHandler(FileStore store) {
        this.store = store;
    }

    @ExceptionHandler(ApiException.class)
    ResponseEntity<ProblemDetail> api(ApiException e) {
        return ResponseEntity.status(e.status()).headers(h -> e.headers().forEach(h::set)).body(e.toProblem());
    }

    @ExceptionHandler(UnsafeIdException.class)
    ResponseEntity<ProblemDetail> unsafeId(UnsafeIdException e) {
        // Not e.getMessage(): it quotes the id, which may come from a path (see ProblemInstanceAdvice).
        return ResponseEntity.badRequest().body(Problems.of(HttpStatus.BAD_REQUEST,
                "an id is not allowed (ids match " + io.zaps.contract.Ids.SAFE_ID.pattern() + "; run ids are lower-case UUIDs)", List.of()));
    }

    @ExceptionHandler(VersionConflictException.class)
    ResponseEntity<ProblemDetail> versionConflict(VersionConflictException e) {
        return ResponseEntity.status(HttpStatus.CONFLICT)
                .body(Problems.of(HttpStatus.CONFLICT, e.getMessage() + "; another request saved it first, retry", List.of()));
    }

    @ExceptionHandler(CorruptFileException.class)
    ResponseEntity<ProblemDetail> corrupt(CorruptFileException e) {
        String file = relative(e.path());
        log.error("corrupt file in the data folder: {}", e.getMessage());
        ProblemDetail problem = Problems.of(HttpStatus.INTERNAL_SERVER_ERROR,
                "the stored file " + file + " is corrupt; repair or remove it", List.of());
        problem.setProperty("file", file);
        return ResponseEntity.internalServerError().body(problem);
    }

    @ExceptionHandler(StoreException.class)
    ResponseEntity<ProblemDetail> store(StoreException e) {
        log.error("file store failure: {}", e.getMessage(), e);
        return ResponseEntity.internalServerError()
                .body(Problems.of(HttpStatus.INTERNAL_SERVER_ERROR, "the file store failed: " + e.getMessage(), List.of()));
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> unexpected(Exception e) {
        log.error("unexpected error", e);
        return ResponseEntity.internalServerError()
                .body(Problems.of(HttpStatus.INTERNAL_SERVER_ERROR, "unexpected error; see the gateway log", List.of()));
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException e, HttpHeaders headers,
                                                                  HttpStatusCode status, WebRequest request) {
        if (BodySizeFilter.isTooLarge(e)) {
            return problem(HttpStatus.CONTENT_TOO_LARGE, "the request body is too large", List.of(), request);
        }
        JacksonException json = cause(e, JacksonException.class);
        if (json == null) {
            String detail = e.getMessage() != null && e.getMessage().startsWith("Required request body is missing")
                    ? "a JSON request body is required" : "the request body is not readable JSON";
            return problem(HttpStatus.BAD_REQUEST, detail, List.of(new Violation("", detail)), request);
        }
        String field = fieldPath(json);
        TokenStreamLocation at = json.getLocation();
        String where = at == null || at == TokenStreamLocation.NA || at.getLineNr() < 1
                ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
        String message = firstLine(json.getOriginalMessage()) + where;
        String detail = field.isEmpty() ? "malformed JSON: " + message : field + ": " + message;
        return problem(HttpStatus.BAD_REQUEST, detail, List.of(new Violation(field, message)), request);
    }

    @Override
    protected ResponseEntity<Object> handleTypeMismatch(TypeMismatchException e, HttpHeaders headers,
                                                        HttpStatusCode status, WebRequest request) {
        String name = e instanceof MethodArgumentTypeMismatchException m ? m.getName() : String.valueOf(e.getPropertyName());
        String type = e.getRequiredType() == null ? "a valid value" : e.getRequiredType().getSimpleName().toLowerCase();
        // The value is not quoted: it may come from a path (see ProblemInstanceAdvice).
        String message = "must be " + (type.equals("integer") || type.equals("int") ? "an integer" : type);
        return problem(HttpStatus.BAD_REQUEST, name + ": " + message, List.of(new Violation(name, message)), request);
    }

    @Override
    protected ResponseEntity<Object> handleMissingServletRequestParameter(MissingServletRequestParameterException e, HttpHeaders headers,
                                                                          HttpStatusCode status, WebRequest request) {
        return problem(HttpStatus.BAD_REQUEST, e.getParameterName() + ": is required",
                List.of(new Violation(e.getParameterName(), "is required")), request);
    }

    private ResponseEntity<Object> problem(HttpStatus status, String detail, List<Violation> errors, WebRequest request) {
        return createResponseEntity(Problems.of(status, detail, errors), new HttpHeaders(), status, request);
    }

    /** {@code steps[1].config} from Jackson's reference chain. */
    static String fieldPath(JacksonException e) {
        StringBuilder path = new StringBuilder();
        for (JacksonException.Reference ref : e.getPath()) {
            if (ref.getPropertyName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(ref.getPropertyName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private String relative(Path file) {
        Path root = store.root();
        return file != null && file.startsWith(root) ? root.relativize(file).toString() : String.valueOf(file);
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "invalid JSON";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    static <T extends Throwable> T cause(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }
}
