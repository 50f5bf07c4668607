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

    /** The addresses handed out and not freed yet, each with the address {@code malloc} gave for it. */
    private static final java.util.Map<Long, Long> LIVE = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Allocates a buffer of native memory, with its position 0 and its limit its capacity.
     *
     * @param size the capacity, positive
     * @return the buffer; its memory stays until {@link #free}
     * @throws OutOfMemoryError if {@code malloc} fails
     */
    public static ByteBuffer allocate(int size) {
        return allocate(size, 1);
    }

    /**
     * Allocates a buffer as {@link #allocate} does, at an address that is a multiple of the
     * alignment: memory the kernel maps by pages (an io_uring buffer ring) must start on one. The
     * block comes from {@code malloc}, larger by the alignment, so that one {@code malloc} and one
     * {@code free} serve every block (an {@code aligned_alloc} could come from another allocator
     * than the {@code free}, where a preloaded one defines only some of them).
     *
     * @param size the capacity, positive
     * @param alignment a power of two, e.g. 4096
     * @return the buffer; its memory stays until {@link #free}
     * @throws OutOfMemoryError if {@code malloc} fails
     */
    public static ByteBuffer allocateAligned(int size, int alignment) {
        if (alignment <= 0 || Integer.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment must be a power of two: " + alignment);
        }
        return allocate(size, alignment);
    }

    @SuppressWarnings("restricted")
    private static ByteBuffer allocate(int size, int alignment) {
        if (size <= 0) {
            throw new IllegalArgumentException("size must be positive: " + size);
        }
        long request = (long) size + alignment - 1;
        MemorySegment memory;
        try {
            memory = (MemorySegment) Native.MALLOC.invokeExact(request);
        } catch (Throwable t) {
            throw new IllegalStateException("malloc cannot be called here", t);
        }
        if (memory.equals(MemorySegment.NULL)) {
            throw new OutOfMemoryError("malloc(" + request + ") failed");
        }
        long raw = memory.address();
        long aligned = (raw + alignment - 1) & -(long) alignment;
        LIVE.put(aligned, raw);
        return MemorySegment.ofAddress(aligned).reinterpret(size).asByteBuffer();
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
        Long raw = LIVE.remove(address);
        if (raw == null) {
            // A second free, or a buffer this class did not make: refused, so that the malloc heap
            // stays intact (a repeated free would free whatever the allocator handed out since).
            throw new IllegalStateException("free of memory KernelMemory does not hold: 0x" + Long.toHexString(address));
        }
        try {
            Native.FREE.invokeExact(MemorySegment.ofAddress(raw));
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
        private static final FunctionDescriptor MALLOC_TYPE = FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG);
        private static final FunctionDescriptor FREE_TYPE = FunctionDescriptor.ofVoid(ValueLayout.ADDRESS);
        static final MethodHandle MALLOC;
        static final MethodHandle FREE;

        static {
            MemorySegment[] pair = allocator();
            MALLOC = LINKER.downcallHandle(pair[0], MALLOC_TYPE, Linker.Option.critical(false));
            FREE = LINKER.downcallHandle(pair[1], FREE_TYPE, Linker.Option.critical(false));
        }

        /**
         * Finds {@code malloc} and {@code free} the way the JVM's and every JNI library's calls
         * find them: in the process's global scope ({@code dlsym(RTLD_DEFAULT)}), where an
         * allocator that {@code LD_PRELOAD} put first (jemalloc, tcmalloc, a checker) comes before
         * libc's. The linker's default lookup binds libc's own functions directly: under a
         * preloaded allocator this memory would come from a second allocator beside the
         * process's, and two allocators that both grow the heap with {@code sbrk} race on the
         * program break and hand out overlapping blocks (docs/native-memory.md). If only one of
         * the two is preloaded, both are libc's, so that a block always goes back to the
         * allocator it came from; so are both where {@code dlsym} cannot be asked.
         *
         * @return {@code malloc}, then {@code free}
         */
        private static MemorySegment[] allocator() {
            MemorySegment[] libc = {LINKER.defaultLookup().find("malloc").orElseThrow(),
                    LINKER.defaultLookup().find("free").orElseThrow()};
            MemorySegment process = rtldDefault();
            MemorySegment dlsymAddress = LINKER.defaultLookup().find("dlsym").orElse(null);
            if (process == null || dlsymAddress == null) {
                return libc;
            }
            try (Arena arena = Arena.ofConfined()) {
                MethodHandle dlsym = LINKER.downcallHandle(dlsymAddress,
                        FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
                MemorySegment malloc = (MemorySegment) dlsym.invokeExact(process, arena.allocateFrom("malloc"));
                MemorySegment free = (MemorySegment) dlsym.invokeExact(process, arena.allocateFrom("free"));
                boolean mallocPreloaded = !malloc.equals(MemorySegment.NULL) && !malloc.equals(libc[0]);
                boolean freePreloaded = !free.equals(MemorySegment.NULL) && !free.equals(libc[1]);
                return mallocPreloaded && freePreloaded ? new MemorySegment[] {malloc, free} : libc;
            } catch (Throwable t) {
                return libc;
            }
        }

        /**
         * {@code RTLD_DEFAULT} where its value is known: 0 with glibc and musl (Linux), -2 on
         * macOS and FreeBSD; null elsewhere (other systems use other values, and a wrong handle
         * crashes {@code dlsym} rather than failing).
         */
        private static MemorySegment rtldDefault() {
            String os = System.getProperty("os.name", "");
            if (os.equals("Linux")) {
                return MemorySegment.NULL;
            }
            if (os.equals("Mac OS X") || os.equals("FreeBSD")) {
                return MemorySegment.ofAddress(-2L);
            }
            return null;
        }
    }
}
