package io.zaps.executor.stream;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * The last line behind {@link io.zaps.executor.run.RunLimits}: a record the broker refuses as too large
 * is dropped with an error naming it, instead of failing the stream thread, whose replacement would
 * process the same command, produce the same record and fail again, forever, with every later run
 * stuck behind it. The processor keeps its records within the limits, so this should never be called.
 * Any other failure to produce stays fatal for the thread (Kafka Streams' default).
 */
public class OversizedRecordHandler implements ProductionExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(OversizedRecordHandler.class);

    @Override
    public ProductionExceptionHandlerResponse handle(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
        if (exception instanceof RecordTooLargeException) {
            log.error("dropped a record of {} bytes for {} (key {}) that the broker refuses as too large: {}",
                    record.value() == null ? 0 : record.value().length, record.topic(),
                    record.key() == null ? null : new String(record.key(), java.nio.charset.StandardCharsets.UTF_8), exception.getMessage());
            return ProductionExceptionHandlerResponse.CONTINUE;
        }
        return ProductionExceptionHandlerResponse.FAIL;
    }

    @Override
    public void configure(Map<String, ?> configs) {
        // nothing to configure
    }
}
