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
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.oas.models.Components;
import org.springdoc.core.providers.ObjectMapperProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.Iterator;
import java.util.Map;

/** The OpenAPI document served at {@code /docs/openapi.json} (Swagger UI at {@code /docs}). */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

    @Bean
    OpenAPI zapsOpenApi() {
        return new OpenAPI()
                .info(new Info().title("Zaps API").version("1")
                        .description("Workflows, triggers and runs. Errors are RFC 9457 problem details. "
                                + "When API keys are configured, /api/** needs X-API-Key or Authorization: Bearer."))
                .components(new Components().addSecuritySchemes("api-key",
                        new SecurityScheme().type(SecurityScheme.Type.APIKEY).in(SecurityScheme.In.HEADER).name(ApiKeyFilter.HEADER)))
                .addSecurityItem(new SecurityRequirement().addList("api-key"));
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
