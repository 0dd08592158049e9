package io.zaps.contract;

/**
 * Every Kafka topic Zaps uses. Names are constants here, never derived from class names.
 *
 * <p>Keys: everything about one run is keyed by its run id so it stays ordered on one partition.
 * Trigger events may carry any key (the gateway uses the run id, which spreads load over all
 * partitions); the trigger service does not rely on their order.
 */
public final class Topics {
    private Topics() {}

    /**
     * {@link io.zaps.contract.event.TriggerRequested} records; key: any (the gateway uses the run id). Public:
     * outside programs write it, so the trigger service ignores a {@code parent} on it ({@link #CALL_TRIGGERS}).
     */
    public static final String TRIGGERS = "zaps.triggers";

    /**
     * {@link io.zaps.contract.event.TriggerRequested} records with a {@code parent}: the runs a {@code call_workflow}
     * step asks for, produced by the executor only; key: the run id the trigger starts. Internal (closed to outside
     * producers by ACLs): the one place the trigger service takes {@code parent} from, since a parent link lets a
     * run tell another run's step how it ended ({@code child_run_ended}).
     */
    public static final String CALL_TRIGGERS = "zaps.call-triggers";

    /**
     * The current definition of every workflow, for the services that need definitions without the gateway's data
     * folder (the trigger service): {@link io.zaps.contract.workflow.WorkflowRecord} records ({@code workflow_saved}
     * with the whole definition, {@code workflow_deleted} with the version deleted); key: workflow id; compacted, so the
     * latest record per workflow is kept. Produced by the gateway only (internal), in the order of the versions.
     * Readers keep, per workflow, the record with the highest version. A run never needs an older version from here:
     * {@code start_run} carries the whole definition it pins.
     */
    public static final String WORKFLOWS = "zaps.workflows";

    /**
     * The credential store, for the services that decrypt secrets without the gateway's data folder (the connectors,
     * the trigger service's mailbox logins): {@link io.zaps.contract.secret.SecretRecord} records ({@code secret_saved}
     * with the value encrypted exactly as at rest, AES-256-GCM under the master key, never in plain text;
     * {@code secret_deleted} with the instant of the value removed); key: the secret's name; compacted. Produced by the
     * gateway only (internal: ACLs let only the gateway write it, and only the services that decrypt read it). Readers
     * keep, per name, the record with the later {@code updated_at}.
     */
    public static final String SECRETS = "zaps.secrets";

    /**
     * The trigger service's source cursors (how far each schedule and mailbox has been handled), so that the instance
     * that takes a workflow over continues where the previous owner stopped without a shared folder; key: workflow id;
     * compacted. Produced and read by the trigger service only (internal). Each record carries a monotonic position
     * (the schedule's last tick; the mailbox's UIDVALIDITY and last UID): readers keep, per workflow, the further one,
     * so a late write of an older cursor changes nothing.
     */
    public static final String TRIGGER_CURSORS = "zaps.trigger-cursors";

    /** {@link io.zaps.contract.command.RunCommand} records for the executor; key: run id. */
    public static final String RUN_COMMANDS = "zaps.run-commands";

    /** {@link io.zaps.contract.event.RunEvent} records, each with the full run snapshot; key: run id; compacted. */
    public static final String RUN_EVENTS = "zaps.run-events";

    /**
     * {@link io.zaps.contract.event.CorrelationEvent} records: something runs may wait for
     * ({@code wait_for_event}); key: the correlation key. Public: outside programs may write it.
     */
    public static final String EVENTS = "zaps.events";

    /**
     * {@link io.zaps.contract.command.SubscriptionCommand} records: which runs wait on which correlation
     * key; key: the correlation key, so that they meet the events of {@link #EVENTS} (same partition count)
     * on one partition. Internal to the executor.
     */
    public static final String EVENT_SUBSCRIPTIONS = "zaps.event-subscriptions";

    /** Prefix of the per-connector request topics carrying {@link io.zaps.contract.command.ExecuteStep}; key: run id. */
    public static final String STEP_REQUESTS_PREFIX = "zaps.step-requests.";

    /** Suffix of the dead-letter topic that belongs to each consumed topic. */
    public static final String DEAD_LETTER_SUFFIX = ".dlt";

    /** Record headers set on dead-lettered records. */
    public static final String HEADER_DLT_REASON = "zaps-dlt-reason";
    public static final String HEADER_DLT_SOURCE_TOPIC = "zaps-dlt-source-topic";
    public static final String HEADER_DLT_SOURCE_PARTITION = "zaps-dlt-source-partition";
    public static final String HEADER_DLT_SOURCE_OFFSET = "zaps-dlt-source-offset";

    /**
     * Headers on every {@link io.zaps.contract.event.RunEvent} record: its {@code type} (wire name)
     * and the snapshot's {@code revision} (decimal), so that consumers can pick the newest event per
     * run, or the ones they care about, without parsing every snapshot. The JSON body stays the
     * source of truth.
     */
    public static final String HEADER_EVENT_TYPE = "zaps-event-type";
    public static final String HEADER_REVISION = "zaps-revision";

    /**
     * W3C trace context (https://www.w3.org/TR/trace-context/) on any record produced while a run is
     * handled: {@code traceparent} names the span that produced it, {@code tracestate} carries vendor data.
     * Optional; a reader that does not trace ignores them. One run is one trace across the services.
     */
    public static final String HEADER_TRACEPARENT = "traceparent";
    public static final String HEADER_TRACESTATE = "tracestate";

    /** The request topic of the connector that executes steps of {@code stepType}. */
    public static String stepRequests(String stepType) {
        return STEP_REQUESTS_PREFIX + stepType;
    }

    /** The dead-letter topic of {@code topic}. */
    public static String deadLetter(String topic) {
        return topic + DEAD_LETTER_SUFFIX;
    }
}
