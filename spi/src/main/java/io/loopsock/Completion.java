package io.loopsock;

/**
 * Called once when a request (connect, write, shutdown) or an incoming connection completes.
 *
 * <p>Loop-thread only: the loop calls it from its own thread, never from inside the call that
 * made the request.
 */
@FunctionalInterface
public interface Completion {
    /**
     * Reports the outcome.
     *
     * @param error null on success; otherwise the failure, for instance
     *     {@link ErrorCode#ECANCELED} when the handle was closed first
     * @throws Exception to end the current {@link Loop#run(RunMode)} with it (see {@link Callback})
     */
    void onComplete(LoopException error) throws Exception;
}
