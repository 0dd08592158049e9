package io.zaps.gateway.web;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.swagger.v3.core.converter.AnnotatedType;
import io.swagger.v3.core.converter.ModelConverter;
import io.swagger.v3.core.converter.ModelConverterContext;
import io.swagger.v3.core.jackson.ModelResolver;
import io.swagger.v3.core.util.Json;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.ArraySchema;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.oas.models.Components;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springdoc.core.providers.ObjectMapperProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** The OpenAPI document served at {@code /docs/openapi.json} (Swagger UI at {@code /docs}). */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

    @Bean
    OpenAPI zapsOpenApi() {
        return new OpenAPI()
                .info(new Info().title("Zaps API").version("1")
                        .description("Workflows, triggers and runs. Every error is an RFC 9457 problem (application/problem+json, "
                                + "schema Problem), also those the server gives before a request reaches the API (an encoded '/' "
                                + "or '\\' in a path: 400; CONNECT: 501; TRACE: 405). A ';' anywhere in a path is refused with 400. "
                                + "When API keys are configured, /api/** needs X-API-Key or Authorization: Bearer."))
                .components(new Components().addSecuritySchemes("api-key",
                        new SecurityScheme().type(SecurityScheme.Type.APIKEY).in(SecurityScheme.In.HEADER).name(ApiKeyFilter.HEADER)))
                .addSecurityItem(new SecurityRequirement().addList("api-key"));
    }

    /**
     * Error answers in the document, as the API gives them: every response of status 400 or more is a {@code Problem}
     * ({@code application/problem+json}). Each controller declares the errors particular to an endpoint
     * ({@code @ApiResponse(responseCode = "409", description = ...)}); added here are those every endpoint of a kind can
     * give: 401 on {@code /api/**} (when API keys are configured), 413 and 415 where a JSON body is read, 400 where a path
     * parameter is checked.
     */
    @Bean
    OpenApiCustomizer zapsProblemResponses() {
        return openApi -> {
            openApi.getComponents().addSchemas(PROBLEM, problemSchema());
            openApi.getPaths().forEach((path, item) -> item.readOperations().forEach(operation -> {
                ApiResponses responses = operation.getResponses();
                boolean pathParameters = operation.getParameters() != null
                        && operation.getParameters().stream().anyMatch(p -> "path".equals(p.getIn()));
                if (pathParameters) {
                    addIfAbsent(responses, "400", "a path parameter is malformed (an id that does not match its pattern, "
                            + "a ';' in the path); errors names it");
                }
                if (path.startsWith("/api/")) {
                    addIfAbsent(responses, "401", "no valid API key (X-API-Key or Authorization: Bearer), when API keys are configured");
                }
                if (operation.getRequestBody() != null) {
                    addIfAbsent(responses, "413", "the body is larger than zaps.gateway.max-body-size (1 MiB)");
                    addIfAbsent(responses, "415", "the body is not application/json");
                }
                ApiResponses sorted = new ApiResponses();
                responses.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
                    if (e.getKey().matches("[45][0-9][0-9]")) {
                        e.getValue().setContent(new Content().addMediaType(MediaType.APPLICATION_PROBLEM_JSON_VALUE,
                                new io.swagger.v3.oas.models.media.MediaType().schema(new Schema<>().$ref("#/components/schemas/" + PROBLEM))));
                    }
                    sorted.addApiResponse(e.getKey(), e.getValue());
                });
                operation.setResponses(sorted);
            }));
        };
    }

    private static final String PROBLEM = "Problem";

    private static void addIfAbsent(ApiResponses responses, String status, String description) {
        if (!responses.containsKey(status)) {
            responses.addApiResponse(status, new ApiResponse().description(description));
        }
    }

    private static Schema<?> problemSchema() {
        ObjectSchema violation = new ObjectSchema();
        violation.addProperty("field", new StringSchema().description("the field at fault: a body field (steps[1].config.url), "
                + "a path or query parameter, a header; empty for the body as a whole"));
        violation.addProperty("message", new StringSchema());
        ObjectSchema problem = new ObjectSchema();
        problem.description("An RFC 9457 problem (application/problem+json). detail names the first field at fault; "
                + "instance is never set (a path may hold what must not be echoed). Some answers add members: "
                + "current_version (412), run_status (409 of run control), file (500, a corrupt file), secret (503 of a webhook), "
                + "unfinished_runs and max_unfinished_runs (429 of a trigger, with a Retry-After header).");
        problem.addProperty("type", new StringSchema().example("about:blank"));
        problem.addProperty("title", new StringSchema().example("Bad Request"));
        problem.addProperty("status", new IntegerSchema().example(400));
        problem.addProperty("detail", new StringSchema().example("steps[0].config.seconds: must be at least 1"));
        problem.addProperty("errors", new ArraySchema().items(violation).description("every field at fault, for invalid input"));
        problem.additionalProperties(true);
        problem.required(List.of("title", "status", "detail"));
        return problem;
    }

    /**
     * Swagger reads models with Jackson 2, which does not see the contract's Jackson 3
     * {@code @JsonNaming}: every Zaps record is snake_case on the wire, so the document uses snake_case
     * too. Jackson 3 tree nodes (context, config, output) are free-form JSON, not beans.
     */
    @Bean
    ModelConverter zapsSnakeCaseModelResolver() {
        return new SnakeCaseModelResolver();
    }

    /**
     * springdoc's polymorphism support introspects every schema type as a Jackson 2 bean before any
     * converter can answer for it, and Jackson 3's ObjectNode has two {@code setAll} setters, which
     * Jackson 2 refuses. Hiding them (in springdoc's own mapper of this context) keeps the
     * {@code config} and {@code context} fields in the document.
     */
    @Bean
    SmartInitializingSingleton zapsOpenApiJsonNodeMixin(ObjectMapperProvider springdocMappers) {
        return () -> springdocMappers.jsonMapper().addMixIn(ObjectNode.class, ObjectNodeMixin.class);
    }

    abstract static class ObjectNodeMixin {
        @JsonIgnore
        abstract JsonNode setAll(Map<String, ? extends JsonNode> properties);

        @JsonIgnore
        abstract JsonNode setAll(ObjectNode other);
    }

    static final class SnakeCaseModelResolver extends ModelResolver {
        SnakeCaseModelResolver() {
            super(Json.mapper().copy().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE));
        }

        @Override
        public Schema<?> resolve(AnnotatedType annotated, ModelConverterContext context, Iterator<ModelConverter> chain) {
            Class<?> raw = _mapper.constructType(annotated.getType()).getRawClass();
            if (ObjectNode.class.isAssignableFrom(raw)) {
                return new ObjectSchema().description("a JSON object");
            }
            if (JsonNode.class.isAssignableFrom(raw)) {
                return new Schema<>().description("any JSON value");
            }
            return super.resolve(annotated, context, chain);
        }
    }
}
