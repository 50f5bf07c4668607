package io.loopsock.unix.internal;

import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * The {@code errno} of a downcall linked with {@link #CAPTURE}: the memory the call stores it in,
 * and how to read it back. Any thread.
 */
final class Errno {
    private Errno() {}

    /** The layout of the memory to pass as a captured call's first argument. */
    static final StructLayout STATE = Linker.Option.captureStateLayout();
    /** The linker option that stores {@code errno} there after the call. */
    static final Linker.Option CAPTURE = Linker.Option.captureCallState("errno");
    private static final VarHandle ERRNO = STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    /**
     * Reads the captured value.
     *
     * @param state the memory passed to the call
     * @return its errno
     */
    static int of(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }
}
