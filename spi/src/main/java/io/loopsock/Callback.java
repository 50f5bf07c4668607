package io.loopsock;

/**
 * A callback without arguments: a timer firing, a watcher's turn, an async wakeup, a close.
 *
 * <p>Loop-thread only: the loop calls it from its own thread. It may throw: the loop finishes the
 * phase it is in and {@link Loop#run(RunMode)} then throws the exception (a checked one wrapped in
 * {@link java.io.UncheckedIOException} or {@link java.lang.reflect.UndeclaredThrowableException}),
 * so a callback can call {@link Stream#write} and the like without a try block of its own.
 */
@FunctionalInterface
public interface Callback {
    /**
     * Runs the callback.
     *
     * @throws Exception to end the current {@code run} with it
     */
    void run() throws Exception;
}
