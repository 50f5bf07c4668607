package io.loopsock;

/**
 * Receives what a receiving {@link Udp} handle receives: datagrams and errors.
 *
 * <p>Loop-thread only.
 */
@FunctionalInterface
public interface ReceiveCallback {
    /**
     * Called for each datagram or error while the handle is receiving.
     *
     * @param result the outcome; a {@link ReceiveResult.Datagram}'s buffer belongs to the loop and is
     *     valid only until this method returns
     * @throws Exception to end the current {@link Loop#run(RunMode)} with it (see {@link Callback})
     */
    void onReceive(ReceiveResult result) throws Exception;
}
