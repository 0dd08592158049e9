package io.zaps.store;

import java.nio.file.Path;

/**
 * The folders of the data folder that belong to one service's own state rather than to a store of this module. The
 * layout of the data folder is named here and in the stores alone ({@link FileStore}, {@link AttachmentStore},
 * {@link SecretStore}, {@link IdempotencyStore}); no other module builds a path under it:
 * <pre>
 * &lt;data&gt;/workflows/, workflow-versions/   workflow definitions (FileStore; written by the gateway only)
 * &lt;data&gt;/runs/, index/                    run snapshots and their per-workflow index (FileStore; the gateway's projection)
 * &lt;data&gt;/idempotency/                     Idempotency-Key claims (IdempotencyStore; gateway)
 * &lt;data&gt;/attachments/                     attachments by content hash (AttachmentStore; email trigger writes, pdf connector reads)
 * &lt;data&gt;/secrets/                         encrypted credentials (SecretStore; gateway writes; connectors and email triggers read)
 * &lt;data&gt;/webhook-signatures/              seen webhook signatures ({@link #webhookSignatures}; gateway)
 * &lt;data&gt;/triggers/schedules/, mailboxes/  trigger source cursors of installations from before zaps.trigger-cursors
 *                                         ({@link #scheduleCursors}, {@link #mailboxCursors}; the trigger service reads them once, on upgrade)
 * &lt;data&gt;/kafka/                           the embedded broker's log ({@link #kafkaLog}; ./zaps up only)
 * </pre>
 */
public final class DataFolders {
    private DataFolders() {
    }

    /** The schedule triggers' cursors, one file per workflow. */
    public static Path scheduleCursors(Path dataDir) {
        return root(dataDir).resolve("triggers").resolve("schedules");
    }

    /** The email triggers' mailbox cursors, one file per workflow. */
    public static Path mailboxCursors(Path dataDir) {
        return root(dataDir).resolve("triggers").resolve("mailboxes");
    }

    /** The inbound webhooks' seen signatures (replay protection). */
    public static Path webhookSignatures(Path dataDir) {
        return root(dataDir).resolve("webhook-signatures");
    }

    /** The log folder of the broker that {@code ./zaps up} embeds. */
    public static Path kafkaLog(Path dataDir) {
        return root(dataDir).resolve("kafka");
    }

    private static Path root(Path dataDir) {
        return dataDir.toAbsolutePath().normalize();
    }
}
