# One image for every Zaps service; ZAPS_SERVICE picks which one runs.
# Build stage: the Maven reactor, tests skipped (CI runs them).
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -ntp -DskipTests package

FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 zaps && mkdir -p /data && chown zaps /data
WORKDIR /app
COPY --from=build /src/api-gateway/target/api-gateway-exec.jar \
                  /src/trigger-service/target/trigger-service-exec.jar \
                  /src/executor-service/target/executor-service-exec.jar \
                  /src/connector-webhook/target/connector-webhook-exec.jar \
                  /src/connector-email/target/connector-email-exec.jar \
                  /src/connector-pdf/target/connector-pdf-exec.jar /app/
COPY docker/zaps-health /app/zaps-health
USER zaps
# Common-pool parallelism 2: on 1-2 CPUs the JDK would otherwise start a thread per async stage.
ENV ZAPS_DATA_DIR=/data JAVA_OPTS="-XX:MaxRAMPercentage=60 -Djava.util.concurrent.ForkJoinPool.common.parallelism=2"
# Each service deployed alone serves /actuator/health/{liveness,readiness} and /actuator/prometheus on its
# management port (ZAPS_MANAGEMENT_PORT; the gateway: its HTTP port unless set). docker-compose.yml sets it per service.
HEALTHCHECK --interval=5s --timeout=5s --start-period=60s --retries=3 CMD ["bash", "/app/zaps-health", "readiness"]
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /app/${ZAPS_SERVICE:?set ZAPS_SERVICE}-exec.jar"]
