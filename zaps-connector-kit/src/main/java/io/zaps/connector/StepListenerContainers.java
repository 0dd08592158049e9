package io.zaps.connector;

import io.zaps.contract.Topics;
import io.zaps.contract.command.CompleteStep;
import io.zaps.kafka.RecordPublisher;
import io.zaps.kafka.health.ListenerContainerSource;
import io.zaps.kafka.trace.RunTracing;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.BatchListenerFailedException;
import org.springframework.kafka.listener.BatchMessageListener;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One Kafka listener container per {@link StepHandler}: consumes
 * {@code zaps.step-requests.<type>} in group {@code zaps-connector-<type>} and answers every request
 * with a {@link CompleteStep} on {@link Topics#RUN_COMMANDS}.
 *
 * <p>At least once: a poll's requests are handled at once (up to {@code zaps.connector.parallelism}
 * of them, on a pool that grows only when used) and each answer is sent, in record order, as soon as
 * it is known; before the listener returns, Kafka has acknowledged every answer of the poll,
 * and only then are the requests' offsets committed. Waiting once per poll instead of once per
 * request keeps a busy partition from paying a broker round trip per step. A crash in between
 * redelivers the requests; the idempotency key the handler passed on makes a repeat harmless, and
 * the executor ignores a second answer. Records that cannot be understood throw
 * {@link io.zaps.contract.MalformedRecordException}: the answers before them are awaited, and the
 * shared error handler (zaps-kafka) dead-letters the record and goes on with the ones after it.
 */
public final class StepListenerContainers implements SmartLifecycle, DisposableBean, ListenerContainerSource {
    private static final Logger log = LoggerFactory.getLogger(StepListenerContainers.class);

    private final List<ConcurrentMessageListenerContainer<String, byte[]>> containers = new ArrayList<>();
    private final List<ExecutorService> pools = new ArrayList<>();
    private volatile boolean running;

    public StepListenerContainers(StepHandlerRegistry registry, ConcurrentKafkaListenerContainerFactory<String, byte[]> factory,
                                  RecordPublisher publisher, ConnectorProperties properties, Clock clock) {
        this(registry, factory, publisher, properties, clock, RunTracing.noop());
    }

    /** @param tracing each request is handled in a span continuing the record's trace, with its run and step in the logging context */
    public StepListenerContainers(StepHandlerRegistry registry, ConcurrentKafkaListenerContainerFactory<String, byte[]> factory,
                                  RecordPublisher publisher, ConnectorProperties properties, Clock clock, RunTracing tracing) {
        long sendTimeoutMs = properties.sendTimeout().toMillis();
        for (StepHandler handler : registry.handlers()) {
            StepRequestProcessor processor = new StepRequestProcessor(handler, clock);
            Executor pool = properties.parallelism() == 1 ? Runnable::run : handlerPool(handler.type(), properties);
            ConcurrentMessageListenerContainer<String, byte[]> container = factory.createContainer(Topics.stepRequests(handler.type()));
            container.setBeanName(groupId(handler.type()));
            container.getContainerProperties().setGroupId(groupId(handler.type()));
            container.setConcurrency(properties.concurrency());
            container.setAutoStartup(false);
            container.setupMessageListener((BatchMessageListener<String, byte[]>) records -> onRecords(records, processor, pool, publisher, sendTimeoutMs, tracing));
            containers.add(container);
        }
    }

    /** The consumer group of a step type's connector. */
    public static String groupId(String stepType) {
        return "zaps-connector-" + stepType;
    }

    /**
     * Threads for the requests of one poll but the last, which runs on the consumer's thread:
     * created when needed and dropped after a minute of idleness (a connector type that gets no
     * requests has none); when all are busy, the consumer thread runs the request itself.
     */
    private ExecutorService handlerPool(String type, ConnectorProperties properties) {
        AtomicInteger count = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(0, properties.concurrency() * (properties.parallelism() - 1),
                60, TimeUnit.SECONDS, new SynchronousQueue<>(), runnable -> {
                    Thread thread = new Thread(runnable, groupId(type) + "-worker-" + count.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                }, new ThreadPoolExecutor.CallerRunsPolicy());
        pools.add(pool);
        return pool;
    }

    /** An answer and the span of the request it answers: its parent, so the executor continues the run's trace. */
    private record Answered(CompleteStep answer, Context trace) {
    }

    static void onRecords(List<ConsumerRecord<String, byte[]>> records, StepRequestProcessor processor, Executor pool,
                          RecordPublisher publisher, long sendTimeoutMs, RunTracing tracing) {
        List<CompletableFuture<Answered>> answers = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            ConsumerRecord<String, byte[]> record = records.get(i);
            if (i == records.size() - 1) {
                answers.add(answer(processor, record, tracing)); // the consumer thread would only wait otherwise
            } else {
                answers.add(CompletableFuture.supplyAsync(() -> process(processor, record, tracing), pool));
            }
        }
        List<CompletableFuture<?>> sends = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            CompleteStep answer;
            try {
                Answered answered = answers.get(i).join();
                answer = answered.answer();
                try (Scope ignored = answered.trace().makeCurrent()) {
                    sends.add(publisher.send(Topics.RUN_COMMANDS, answer.runId(), answer));
                }
            } catch (RuntimeException e) {
                // Requests after this one may have been handled already: they are delivered again, and
                // their idempotency keys make the repeat harmless.
                awaitAnswers(records, sends, sendTimeoutMs);
                Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                throw new BatchListenerFailedException(cause.getMessage() == null ? cause.getClass().getName() : cause.getMessage(), cause, i);
            }
        }
        awaitAnswers(records, sends, sendTimeoutMs);
    }

    private static CompletableFuture<Answered> answer(StepRequestProcessor processor, ConsumerRecord<String, byte[]> record,
                                                     RunTracing tracing) {
        try {
            return CompletableFuture.completedFuture(process(processor, record, tracing));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * One request in its span (a child of the executor's, from the record's headers), with its run and step in the
     * logging context of the handler's thread while it runs; both end with it.
     */
    private static Answered process(StepRequestProcessor processor, ConsumerRecord<String, byte[]> record, RunTracing tracing) {
        try (RunTracing.RunScope trace = tracing.start("connector " + processor.type(), SpanKind.CONSUMER,
                io.zaps.kafka.trace.TraceHeaders.extract(record.headers()), record.key(), null, null)) {
            try {
                CompleteStep answer = processor.process(record.key(), record.value(), trace);
                if (log.isDebugEnabled()) {
                    log.debug("run {} step {} attempt {}: {}{}", answer.runId(), answer.stepId(), answer.attempt(),
                            answer.outcome(), answer.error() == null ? "" : " (" + answer.error() + ")");
                }
                return new Answered(answer, trace.context());
            } catch (RuntimeException e) {
                trace.failed(e);
                throw e;
            }
        }
    }

    /**
     * Waits for the answers sent so far, in record order; the first one that failed or is not
     * acknowledged within the send timeout (counted from the start of this wait, when the last
     * answer was sent) names the record the error handler starts again from, after committing the
     * ones before it.
     */
    private static void awaitAnswers(List<ConsumerRecord<String, byte[]>> records, List<CompletableFuture<?>> sends, long sendTimeoutMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(sendTimeoutMs);
        for (int i = 0; i < sends.size(); i++) {
            try {
                sends.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                throw new BatchListenerFailedException("could not publish the answer to " + at(records.get(i)) + ": " + cause.getMessage(),
                        new RecordPublisher.PublishException("could not publish to " + Topics.RUN_COMMANDS + ": " + cause.getMessage(), cause), i);
            } catch (TimeoutException e) {
                throw new BatchListenerFailedException("Kafka did not acknowledge the answer to " + at(records.get(i)) + " within "
                        + sendTimeoutMs + " ms", new RecordPublisher.PublishException("Kafka did not acknowledge a record on "
                        + Topics.RUN_COMMANDS + " within " + sendTimeoutMs + " ms", e), i);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BatchListenerFailedException("interrupted while publishing the answer to " + at(records.get(i)),
                        new RecordPublisher.PublishException("interrupted while publishing to " + Topics.RUN_COMMANDS, e), i);
            }
        }
    }

    private static String at(ConsumerRecord<?, ?> record) {
        return record.topic() + "-" + record.partition() + "@" + record.offset();
    }

    /** The listener containers, one per handled type (for tests and health checks). */
    public List<ConcurrentMessageListenerContainer<String, byte[]>> containers() {
        return List.copyOf(containers);
    }

    /** Readiness counts every one of them (they start with this lifecycle, not on their own). */
    @Override
    public List<ConcurrentMessageListenerContainer<String, byte[]>> listenerContainers() {
        return containers();
    }

    @Override
    public void start() {
        for (ConcurrentMessageListenerContainer<String, byte[]> container : containers) {
            container.start();
            log.info("consuming {} as {} with {} consumer(s)", container.getContainerProperties().getTopics()[0],
                    container.getGroupId(), container.getConcurrency());
        }
        running = true;
    }

    @Override
    public void stop() {
        for (ConcurrentMessageListenerContainer<String, byte[]> container : containers) {
            container.stop();
        }
        running = false;
    }

    /** Only at the end: a stopped container may be started again and needs its pool. */
    @Override
    public void destroy() {
        pools.forEach(ExecutorService::shutdown);
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Same phase as annotated listeners: start after everything they use, stop before it. */
    @Override
    public int getPhase() {
        return org.springframework.kafka.listener.AbstractMessageListenerContainer.DEFAULT_PHASE;
    }
}
