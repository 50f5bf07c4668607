package io.loopsock;

/**
 * Receives what a reading stream reads: data, the end of the stream, or an error.
 *
 * <p>Loop-thread only.
 */
@FunctionalInterface
public interface ReadCallback {
    /**
     * Called for each read outcome while the stream is reading.
     *
     * @param result the outcome; a {@link ReadResult.Data}'s buffer belongs to the loop and is
     *     valid only until this method returns
     * @throws Exception to end the current {@link Loop#run(RunMode)} with it (see {@link Callback})
     */
    void onRead(ReadResult result) throws Exception;
}
