package io.zaps.executor.run;

/**
 * How much of a run the executor keeps, so that no record it produces can exceed what its topics take
 * (Kafka's default record limit is 1 MiB; a run's state is one changelog record and every event carries
 * its snapshot). A step whose rendered config or output is larger fails permanently with the sizes in
 * its reason; a command that would grow the whole state past {@link #maxStateBytes} fails the run instead.
 *
 * <p>A run failed for being too large keeps the state it had plus its failure, so it may end up to
 * {@link #FAILURE_HEADROOM_BYTES} over {@link #maxStateBytes}: the default leaves that much (and more)
 * under the 1 MiB record limit.
 *
 * @param maxStepBytes  the largest rendered config or output one step may record, as JSON bytes
 * @param maxStateBytes the largest a run's stored state may grow to, as JSON bytes (checked by the shell, which has them)
 */
public record RunLimits(int maxStepBytes, int maxStateBytes) {
    /** A step's 512 KiB leaves room for the webhook connector's 256 KiB body escaped, or a PDF's 100,000 characters twice. */
    public static final RunLimits DEFAULT = new RunLimits(512 * 1024, 960 * 1024);
    /** What failing a run may add to its state: the reason (at most {@link #MAX_REASON_CHARS}) in a few places. */
    public static final int FAILURE_HEADROOM_BYTES = 16 * 1024;
    /** The longest reason the executor records for a failure it found itself (an exception's text can be anything). */
    public static final int MAX_REASON_CHARS = 1_000;

    /** {@code reason}, cut to {@link #MAX_REASON_CHARS}. */
    public static String shortened(String reason) {
        return reason == null || reason.length() <= MAX_REASON_CHARS ? reason : reason.substring(0, MAX_REASON_CHARS - 1) + "…";
    }

    public RunLimits {
        if (maxStepBytes < 1 || maxStateBytes < maxStepBytes) {
            throw new IllegalArgumentException("run limits must be positive, the state's at least a step's: " + maxStepBytes + ", " + maxStateBytes);
        }
    }
}
