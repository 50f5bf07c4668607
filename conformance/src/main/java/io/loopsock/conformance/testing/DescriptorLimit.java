package io.loopsock.conformance.testing;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Lowers this process's soft limit on open descriptors (Linux {@code RLIMIT_NOFILE}) for the
 * length of an example, through the JDK's Foreign Function and Memory API, and puts it back on
 * {@link #close()}.
 *
 * <p>Test-thread only. The whole JVM shares the limit, so an example holds it lowered for a few
 * hundred milliseconds at most. Off Linux the example is skipped.
 */
public final class DescriptorLimit implements AutoCloseable {
    private static final int RLIMIT_NOFILE = 7;

    private final long original;
    private final long max;

    private DescriptorLimit(long original, long max) {
        this.original = original;
        this.max = max;
    }

    /**
     * Counts this process's open descriptors.
     *
     * @return the count
     * @throws Exception if /proc cannot be read
     */
    public static int open() throws Exception {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return (int) fds.count();
        }
    }

    /**
     * Sets the soft limit to a number of descriptors.
     *
     * @param soft the new soft limit
     * @return what restores the old one
     * @throws Throwable if the system call fails
     */
    public static DescriptorLimit lowerTo(long soft) throws Throwable {
        Assumptions.assumeTrue(System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux"),
                "RLIMIT_NOFILE is changed only on Linux");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment limit = arena.allocate(16);
            check((int) GET.invokeExact(RLIMIT_NOFILE, limit), "getrlimit");
            long original = limit.get(ValueLayout.JAVA_LONG, 0);
            long max = limit.get(ValueLayout.JAVA_LONG, 8);
            set(soft, max);
            return new DescriptorLimit(original, max);
        }
    }

    private static void set(long soft, long max) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment limit = arena.allocate(16);
            limit.set(ValueLayout.JAVA_LONG, 0, soft);
            limit.set(ValueLayout.JAVA_LONG, 8, max);
            check((int) SET.invokeExact(RLIMIT_NOFILE, limit), "setrlimit");
        }
    }

    private static void check(int result, String call) {
        if (result != 0) {
            throw new IllegalStateException(call + " failed");
        }
    }

    /** Puts the original soft limit back. */
    @Override
    public void close() {
        try {
            set(original, max);
        } catch (Throwable t) {
            throw new IllegalStateException("cannot restore RLIMIT_NOFILE", t);
        }
    }

    private static final MethodHandle GET = function("getrlimit");
    private static final MethodHandle SET = function("setrlimit");

    /** {@code int name(int resource, struct rlimit *limit)}; native access is granted to the tests' JVM. */
    @SuppressWarnings("restricted")
    private static MethodHandle function(String name) {
        Linker linker = Linker.nativeLinker();
        return linker.downcallHandle(linker.defaultLookup().find(name).orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    }
}
