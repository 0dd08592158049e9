package io.zaps.gateway.projection;

import io.zaps.contract.run.RunSnapshot;

/**
 * Hears every final snapshot ({@code completed}, {@code failed}, {@code cancelled}) the run projector has just put in
 * the store, on the projector's thread, after the file was written: whoever waits for a run's end learns it at once,
 * without reading files. Must be quick and must not throw.
 */
public interface RunEndListener {
    void runEnded(RunSnapshot run);
}
