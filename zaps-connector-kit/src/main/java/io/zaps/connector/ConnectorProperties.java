package io.zaps.connector;

import io.zaps.connector.net.GatewayAddresses;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How a connector service consumes its step requests ({@code zaps.connector.*}).
 *
 * @param concurrency consumer threads per step type, each working one request at a time; more than
 *                    the request topic's partitions stay idle (env {@code ZAPS_CONNECTOR_CONCURRENCY})
 * @param sendTimeout how long to wait for Kafka to acknowledge a {@code CompleteStep} before the
 *                    request counts as failed and is retried (its offset is committed only after)
 * @param parallelism how many requests of one poll a consumer handles at once (1 = one after the
 *                    other); a poll then takes as long as its slowest request, not the sum of them
 *                    (env {@code ZAPS_CONNECTOR_PARALLELISM})
 * @param dataDir     the data folder; unset: {@code ZAPS_DATA_DIR}, else {@code ./.zaps}. The values that step configs
 *                    reference as {@code {{ secret('name') }}} come from {@code zaps.secrets}, decrypted with
 *                    {@code ZAPS_MASTER_KEY} (the gateway's); only when that is unset is the master key read from this
 *                    folder's key file, which is then the gateway's folder ({@code ./zaps up})
 * @param gatewayAddresses  where Zaps' own API gateway listens, {@code host:port} each, which connectors that reach out
 *                          never call ({@code *:port}: every address of this machine on that port). The connectors'
 *                          configuration files default it to {@code ZAPS_GATEWAY_ADDRESSES}, else {@code *:<ZAPS_HTTP_PORT>}
 *                          ({@code *:8080}); docker compose sets {@code api-gateway:8080}
 * @param allowGatewayCalls let steps call the gateway all the same (env {@code ZAPS_ALLOW_GATEWAY_CALLS}); off by default:
 *                          a step calling the gateway acts with its trust (from loopback, without API keys, it can create
 *                          and trigger workflows)
 */
@Validated
@ConfigurationProperties("zaps.connector")
public record ConnectorProperties(
        @DefaultValue("6") @Min(1) @Max(64) int concurrency,
        @DefaultValue("30s") @NotNull Duration sendTimeout,
        @DefaultValue("4") @Min(1) @Max(64) int parallelism,
        Path dataDir,
        @DefaultValue({}) List<String> gatewayAddresses,
        @DefaultValue("false") boolean allowGatewayCalls) {

    public ConnectorProperties {
        if (sendTimeout != null && (sendTimeout.isNegative() || sendTimeout.isZero())) {
            throw new IllegalArgumentException("zaps.connector.send-timeout must be positive (was " + sendTimeout + ")");
        }
        gatewayAddresses = gatewayAddresses == null ? List.of() : List.copyOf(gatewayAddresses);
        // Fail at start-up, naming the entry, rather than on the first call.
        GatewayAddresses.parse(gatewayAddresses, "zaps.connector");
    }

    /** The gateway addresses the connectors refuse: none when {@code allow-gateway-calls} is set. */
    public GatewayAddresses refusedGatewayAddresses() {
        return allowGatewayCalls ? GatewayAddresses.NONE : GatewayAddresses.parse(gatewayAddresses, "zaps.connector");
    }
}
