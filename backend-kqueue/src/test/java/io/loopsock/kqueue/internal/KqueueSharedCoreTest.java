package io.loopsock.kqueue.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopsock.unix.internal.HandlerLoop;
import io.loopsock.unix.internal.Poller;
import io.loopsock.unix.internal.UnixLoop;
import io.netty.channel.kqueue.KQueueIoHandle;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * kqueue's loop is the shared core with a different poller: its streams, UDP handles, phases and
 * handler driver are the classes that epoll's suite runs on this machine. What kqueue has of its
 * own is the registration and the event translation ({@link KqueueEventsTest}).
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class KqueueSharedCoreTest {

    @Test
    void theLoopIsTheSharedHandlerLoop() {
        assertThat(KqueueLoop.class.getSuperclass()).isEqualTo(HandlerLoop.class);
        assertThat(HandlerLoop.class.getSuperclass()).isEqualTo(UnixLoop.class);
        assertThat(Poller.class).isAssignableFrom(KqueueLoop.class);
    }

    @Test
    void handlesComeFromTheSharedCore() throws NoSuchMethodException {
        for (String factory : new String[] {"tcp", "pipe", "udp"}) {
            Method method = KqueueLoop.class.getMethod(factory);
            assertThat(method.getDeclaringClass()).isEqualTo(UnixLoop.class);
            assertThat(Modifier.isFinal(method.getModifiers())).isTrue();
        }
    }

    @Test
    void pollingWakingAndClosingAreTheSharedDrivers() throws NoSuchMethodException {
        for (String name : new String[] {"poll", "wakeup", "closePoller"}) {
            Method method = findDeclared(name);
            assertThat(method.getDeclaringClass()).isEqualTo(HandlerLoop.class);
            assertThat(Modifier.isFinal(method.getModifiers())).isTrue();
        }
    }

    @Test
    void kqueueAddsOnlyItsRegistration() {
        assertThat(Arrays.stream(KqueueLoop.class.getDeclaredMethods()).filter(m -> !m.isSynthetic()).map(Method::getName))
                .containsExactlyInAnyOrder("register", "toString");
        Class<?> handle = Arrays.stream(KqueueLoop.class.getDeclaredClasses()).filter(c -> c.getSimpleName().equals("Handle"))
                .findFirst().orElseThrow();
        assertThat(KQueueIoHandle.class).isAssignableFrom(handle);
        assertThat(Poller.Registration.class).isAssignableFrom(handle);
    }

    private static Method findDeclared(String name) throws NoSuchMethodException {
        for (Class<?> type = KqueueLoop.class; type != null; type = type.getSuperclass()) {
            for (Method method : type.getDeclaredMethods()) {
                if (method.getName().equals(name)) {
                    return method;
                }
            }
        }
        throw new NoSuchMethodException(name);
    }
}
