package io.loopsock.unix.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;

/**
 * Memory that a completion backend names in an operation the kernel carries out later: receive
 * buffers, send staging, socket addresses. It comes from {@code malloc} and goes back only
 * through {@link #free}, never through the garbage collector.
 *
 * <p>A direct {@link ByteBuffer} is freed when the collector finds it unreachable, and a loop
 * that is dropped without being closed makes everything in it unreachable at once, while its
 * receives are still armed in the kernel: the kernel then writes the next bytes that arrive into
 * memory the allocator has handed to someone else (seen here: a peer's bytes in a new direct
 * buffer of an unrelated part of the JVM). With this memory, a stream frees it only in its close
 * phase, after the last completion, and a loop that is never closed leaks it instead.
 *
 * <p>Public for the backends built on this module (its package is exported to them only): the
 * io_uring loop keeps its shared receive buffers here too.
 *
 * <p>Any thread. Linking {@code malloc} and {@code free} is restricted: the JVM needs
 * {@code --enable-native-access} for this module, as it does for {@link Ioctl} and for Netty's
 * JNI library.
 */
public final class KernelMemory {
    private KernelMemory() {}

    /** The addresses handed out and not freed yet. */
    private static final java.util.Set<Long> LIVE = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * Allocates a buffer of native memory, with its position 0 and its limit its capacity.
     *
     * @param size the capacity, positive
     * @return the buffer; its memory stays until {@link #free}
     * @throws OutOfMemoryError if {@code malloc} fails
     */
    public static ByteBuffer allocate(int size) {
        MemorySegment memory;
        try {
            memory = (MemorySegment) Native.MALLOC.invokeExact((long) size);
        } catch (Throwable t) {
            throw new IllegalStateException("malloc cannot be called here", t);
        }
        return held(memory, size, "malloc(" + size + ")");
    }

    /**
     * Allocates a buffer as {@link #allocate} does, at an address that is a multiple of the
     * alignment: memory the kernel maps by pages (an io_uring buffer ring) must start on one.
     *
     * @param size the capacity, positive
     * @param alignment a power of two, e.g. 4096
     * @return the buffer; its memory stays until {@link #free}
     * @throws OutOfMemoryError if {@code aligned_alloc} fails
     */
    public static ByteBuffer allocateAligned(int size, int alignment) {
        MemorySegment memory;
        try {
            memory = (MemorySegment) Native.ALIGNED_ALLOC.invokeExact((long) alignment, (long) size);
        } catch (Throwable t) {
            throw new IllegalStateException("aligned_alloc cannot be called here", t);
        }
        return held(memory, size, "aligned_alloc(" + alignment + ", " + size + ")");
    }

    @SuppressWarnings("restricted")
    private static ByteBuffer held(MemorySegment memory, int size, String call) {
        if (memory.equals(MemorySegment.NULL)) {
            throw new OutOfMemoryError(call + " failed");
        }
        LIVE.add(memory.address());
        return memory.reinterpret(size).asByteBuffer();
    }

    /**
     * Frees a buffer made by {@link #allocate}; the buffer must not be used again.
     *
     * @param buffer the buffer, or null (nothing happens)
     */
    public static void free(ByteBuffer buffer) {
        if (buffer == null) {
            return;
        }
        long address = address(buffer);
        if (!LIVE.remove(address)) {
            // A second free, or a buffer this class did not make: refused, so that the malloc heap
            // stays intact (a repeated free would free whatever the allocator handed out since).
            throw new IllegalStateException("free of memory KernelMemory does not hold: 0x" + Long.toHexString(address));
        }
        try {
            Native.FREE.invokeExact(MemorySegment.ofAddress(address));
        } catch (Throwable t) {
            throw new IllegalStateException("free cannot be called here", t);
        }
    }

    /**
     * Counts the blocks handed out and not freed yet, for tests that check that nothing leaks.
     *
     * @return the count, for the whole JVM
     */
    public static int held() {
        return LIVE.size();
    }

    /**
     * The address of a buffer's first byte, for an operation.
     *
     * @param buffer a direct buffer
     * @return its address
     */
    public static long address(ByteBuffer buffer) {
        return MemorySegment.ofBuffer(buffer).address() - buffer.position();
    }

    // Linking a downcall is restricted: it is what --enable-native-access allows.
    @SuppressWarnings("restricted")
    private static final class Native {
        private static final Linker LINKER = Linker.nativeLinker();
        /** {@code RTLD_DEFAULT}: 0 with glibc and musl, -2 on macOS and FreeBSD (before its users below). */
        private static final MemorySegment RTLD_DEFAULT =
                MemorySegment.ofAddress(Platform.CURRENT.isBsd() ? -2L : 0L);
        static final MethodHandle MALLOC = LINKER.downcallHandle(processSymbol("malloc"),
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG), Linker.Option.critical(false));
        static final MethodHandle ALIGNED_ALLOC = LINKER.downcallHandle(processSymbol("aligned_alloc"),
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG), Linker.Option.critical(false));
        static final MethodHandle FREE = LINKER.downcallHandle(processSymbol("free"),
                FunctionDescriptor.ofVoid(ValueLayout.ADDRESS), Linker.Option.critical(false));

        /**
         * Finds an allocator function the way the JVM's and every JNI library's calls find it:
         * in the process's global scope ({@code dlsym(RTLD_DEFAULT)}), where an allocator that
         * {@code LD_PRELOAD} put first (jemalloc, tcmalloc, a checking allocator) comes before
         * libc's. The linker's default lookup binds libc's own {@code malloc} directly: under
         * a preloaded allocator this memory would come from a second allocator beside the
         * process's, and two allocators that both grow the heap with {@code sbrk} race on the
         * program break and hand out overlapping blocks (docs/native-memory.md; Netty's own
         * native buffers on JDK 24 and later are bound the same way, which loopsock cannot
         * change). Falls back to the default lookup where {@code dlsym} cannot be called.
         */
        private static MemorySegment processSymbol(String name) {
            MemorySegment fallback = LINKER.defaultLookup().find(name).orElseThrow();
            MemorySegment dlsymAddress = LINKER.defaultLookup().find("dlsym").orElse(null);
            if (dlsymAddress == null) {
                return fallback;
            }
            MethodHandle dlsym = LINKER.downcallHandle(dlsymAddress,
                    FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment found = (MemorySegment) dlsym.invokeExact(RTLD_DEFAULT, arena.allocateFrom(name));
                return found.equals(MemorySegment.NULL) ? fallback : found;
            } catch (Throwable t) {
                return fallback;
            }
        }
    }
}
