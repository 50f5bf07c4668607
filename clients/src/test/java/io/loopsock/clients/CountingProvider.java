package io.loopsock.clients;

import io.loopsock.Loop;
import io.loopsock.LoopException;
import io.loopsock.spi.Capability;
import io.loopsock.spi.LoopProvider;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend that is another one — the one named by the system property {@value #DELEGATE_PROPERTY},
 * nio by default — and counts the TCP handles its loops open: the proof that a library with no
 * socket hook really went through a loop after {@code LoopSockets.install("counting")}.
 *
 * <p>Any thread. Registered for the tests through {@code META-INF/services}, with the lowest
 * priority, so that discovery never picks it unasked; {@link Matrix#backends()} leaves it out.
 */
public final class CountingProvider implements LoopProvider {
    /** The backend name this provider is installed under. */
    public static final String NAME = "counting";

    /** The system property naming the backend that does the work. */
    public static final String DELEGATE_PROPERTY = "loopsock.clients.counted";

    private static final AtomicInteger TCP_HANDLES = new AtomicInteger();

    /** Makes the provider; the delegate is looked up when first needed. */
    public CountingProvider() {}

    /**
     * Returns how many TCP handles the loops of this provider have opened in this JVM.
     *
     * @return the count
     */
    public static int tcpHandles() {
        return TCP_HANDLES.get();
    }

    private static LoopProvider delegate() throws LoopException {
        return LoopProvider.named(System.getProperty(DELEGATE_PROPERTY, "nio"));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return Integer.MIN_VALUE;
    }

    @Override
    public boolean isAvailable() {
        try {
            return delegate().isAvailable();
        } catch (LoopException e) {
            return false;
        }
    }

    @Override
    public Throwable unavailabilityCause() {
        try {
            return delegate().unavailabilityCause();
        } catch (LoopException e) {
            return e;
        }
    }

    @Override
    public Set<Capability> capabilities() {
        try {
            return delegate().capabilities();
        } catch (LoopException e) {
            return Set.of();
        }
    }

    @Override
    public Loop open() throws LoopException {
        Loop delegate = delegate().open();
        // Every call goes to the delegate's loop; tcp() is counted on the way. A proxy keeps this
        // in step with the Loop interface without restating each of its methods.
        InvocationHandler counting = (proxy, method, args) -> {
            if (method.getName().equals("provider") && method.getParameterCount() == 0) {
                return this;
            }
            if (method.getName().equals("tcp") && method.getParameterCount() == 0) {
                TCP_HANDLES.incrementAndGet();
            }
            try {
                return method.invoke(delegate, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (Loop) Proxy.newProxyInstance(Loop.class.getClassLoader(), new Class<?>[] {Loop.class}, counting);
    }
}
