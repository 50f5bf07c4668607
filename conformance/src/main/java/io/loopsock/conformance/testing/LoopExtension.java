package io.loopsock.conformance.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopsock.Handle;
import io.loopsock.Loop;
import io.loopsock.LoopException;
import io.loopsock.RunMode;
import io.loopsock.spi.LoopProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Runs examples against one backend and checks that they clean up after themselves.
 *
 * <p>A test asks for a {@link Loop} parameter and gets a fresh loop of the backend under test (or
 * for a {@link LoopProvider} parameter, and gets that backend):
 * the provider the suite registered for this run (the JUnit configuration parameter
 * {@value #PROVIDER_PARAMETER}, set by {@code io.loopsock.conformance.Examples}), or else the one
 * {@link Loop#open()} selects, so that {@code -Dloopsock.backend=NAME} picks it. After each test the
 * loop must have no handle left open — every loop in every test ends with zero live handles — and
 * must close. After each class, no more socket, pipe or poller descriptors may be open than before
 * it.
 */
public final class LoopExtension implements ParameterResolver, AfterEachCallback, BeforeAllCallback, AfterAllCallback {
    /** The configuration parameter that names the registered provider under test. */
    public static final String PROVIDER_PARAMETER = "loopsock.conformance.provider";

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(LoopExtension.class);
    private static final Map<String, LoopProvider> REGISTERED = new ConcurrentHashMap<>();
    private static final AtomicLong KEYS = new AtomicLong();

    /** Made by JUnit for each class that extends with it. */
    public LoopExtension() {}

    /**
     * Registers a provider for a run of examples; pass the key as the configuration parameter
     * {@value #PROVIDER_PARAMETER}. A provider need not be installed: the suite's faulty wrappers
     * are registered this way.
     *
     * @param provider the provider under test
     * @return the key, to be released with {@link #release(String)} after the run
     */
    public static String register(LoopProvider provider) {
        String key = provider.name() + "#" + KEYS.incrementAndGet();
        REGISTERED.put(key, provider);
        return key;
    }

    /**
     * Forgets a registered provider.
     *
     * @param key the key {@link #register(LoopProvider)} returned
     */
    public static void release(String key) {
        REGISTERED.remove(key);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == Loop.class || type == LoopProvider.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        if (parameter.getParameter().getType() == LoopProvider.class) {
            return providerUnderTest(context);
        }
        try {
            Loop loop = context.getConfigurationParameter(PROVIDER_PARAMETER).isPresent()
                    ? providerUnderTest(context).open() : Loop.open();
            loops(context).add(loop);
            return loop;
        } catch (LoopException e) {
            throw new IllegalStateException("cannot open a loop on the backend under test", e);
        }
    }

    /** The provider under test: the registered one, or the one discovery selects. */
    private static LoopProvider providerUnderTest(ExtensionContext context) {
        Optional<String> key = context.getConfigurationParameter(PROVIDER_PARAMETER);
        if (key.isPresent()) {
            LoopProvider provider = REGISTERED.get(key.get());
            if (provider == null) {
                throw new IllegalStateException("no provider is registered as " + key.get());
            }
            return provider;
        }
        try {
            return LoopProvider.select();
        } catch (LoopException e) {
            throw new IllegalStateException("no backend to test", e);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Loop> loops(ExtensionContext context) {
        return (List<Loop>) context.getStore(NAMESPACE).computeIfAbsent("loops", key -> new ArrayList<Loop>());
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        List<String> problems = new ArrayList<>();
        for (Loop loop : loops(context)) {
            if (loop.isClosed()) {
                continue;
            }
            List<Handle> left = new ArrayList<>();
            loop.walk(left::add);
            List<Handle> open = left.stream().filter(h -> !h.isClosing()).toList();
            if (!open.isEmpty()) {
                problems.add("the test left handles open: " + open);
                open.forEach(Handle::close);
            }
            // Finish closes the test started but did not run to completion.
            for (int i = 0; i < 100 && hasHandles(loop); i++) {
                loop.run(RunMode.NOWAIT);
            }
            try {
                loop.close();
            } catch (LoopException e) {
                problems.add("the loop did not close: " + e.getMessage());
            }
        }
        loops(context).clear();
        if (context.getExecutionException().isEmpty()) {
            assertThat(problems).as("loop hygiene").isEmpty();
        }
    }

    private static boolean hasHandles(Loop loop) {
        boolean[] any = {false};
        loop.walk(h -> any[0] = true);
        return any[0];
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getStore(NAMESPACE).put("fds", Descriptors.count());
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        Descriptors.Count before = context.getStore(NAMESPACE).get("fds", Descriptors.Count.class);
        Descriptors.Count after = Descriptors.awaitAtMost(before);
        assertThat(after.total()).as("socket, pipe and poller descriptors after the class (before: %s, after: %s)%s", before, after,
                        after.total() > before.total() ? Descriptors.describeSockets() : "")
                .isLessThanOrEqualTo(before.total());
    }
}
