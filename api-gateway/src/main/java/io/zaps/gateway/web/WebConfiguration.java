package io.zaps.gateway.web;

import io.zaps.gateway.GatewayProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.servlet.config.annotation.CorsRegistry;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import tools.jackson.databind.json.JsonMapper;

/** Filters on {@code /api/*} (API keys, then body size), the {@code ;} guard on every path and the CORS rules. */
@Configuration(proxyBeanMethods = false)
class WebConfiguration implements WebMvcConfigurer {
    private final GatewayProperties properties;

    WebConfiguration(GatewayProperties properties) {
        this.properties = properties;
    }

    @Bean
    FilterRegistrationBean<ApiKeyFilter> gatewayApiKeyFilter(JsonMapper mapper) {
        FilterRegistrationBean<ApiKeyFilter> registration =
                new FilterRegistrationBean<>(new ApiKeyFilter(new ApiKeys(properties.apiKeys()), mapper));
        registration.addUrlPatterns("/api/*");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
        return registration;
    }

    @Bean
    FilterRegistrationBean<BodySizeFilter> gatewayBodySizeFilter(JsonMapper mapper) {
        FilterRegistrationBean<BodySizeFilter> registration =
                new FilterRegistrationBean<>(new BodySizeFilter(properties.maxBodySize().toBytes(), mapper));
        registration.addUrlPatterns("/api/*");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 20);
        return registration;
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new SemicolonGuard());
    }

    @Override
    public void addCorsMappings(CorsRegistry registry) {
        if (properties.corsAllowedOrigins().isEmpty()) {
            return;
        }
        registry.addMapping("/api/**")
                .allowedOrigins(properties.corsAllowedOrigins().toArray(String[]::new))
                .allowedMethods("GET", "POST", "PUT", "DELETE")
                .allowedHeaders(HttpHeaders.CONTENT_TYPE, ApiKeyFilter.HEADER, HttpHeaders.AUTHORIZATION, "Idempotency-Key", HttpHeaders.IF_MATCH)
                .exposedHeaders(HttpHeaders.LOCATION, "Idempotent-Replayed", HttpHeaders.ETAG)
                .allowCredentials(false)
                .maxAge(3600);
    }
}
