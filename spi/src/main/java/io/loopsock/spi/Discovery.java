package io.loopsock.spi;

import io.loopsock.ErrorCode;
import io.loopsock.LoopException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/** Finds providers and applies the selection order that {@link LoopProvider} documents. */
final class Discovery {
    private static final System.Logger LOG = System.getLogger("io.loopsock.spi");

    private Discovery() {}

    /** Loaded once: the set of installed providers does not change while the JVM runs. */
    private static final class Installed {
        static final List<LoopProvider> PROVIDERS = load();
    }

    static List<LoopProvider> installed() {
        return Installed.PROVIDERS;
    }

    private static List<LoopProvider> load() {
        Map<String, LoopProvider> byName = new LinkedHashMap<>();
        ServiceLoader<LoopProvider> loader = ServiceLoader.load(LoopProvider.class, Discovery.class.getClassLoader());
        var iterator = loader.iterator();
        while (true) {
            LoopProvider provider;
            try {
                if (!iterator.hasNext()) {
                    break;
                }
                provider = iterator.next();
            } catch (ServiceConfigurationError e) {
                // A broken provider must not hide the others: report it and go on.
                LOG.log(System.Logger.Level.WARNING, "skipping a loopsock provider that failed to load", e);
                continue;
            }
            LoopProvider first = byName.putIfAbsent(provider.name(), provider);
            if (first != null) {
                LOG.log(System.Logger.Level.WARNING, "two loopsock providers are named ''{0}'': using {1}, ignoring {2}",
                        provider.name(), first.getClass().getName(), provider.getClass().getName());
            }
        }
        List<LoopProvider> sorted = new ArrayList<>(byName.values());
        sorted.sort(Comparator.comparingInt(LoopProvider::priority).reversed().thenComparing(LoopProvider::name));
        return List.copyOf(sorted);
    }

    static LoopProvider select() throws LoopException {
        String property = System.getProperty(LoopProvider.BACKEND_PROPERTY);
        if (property != null && !property.isBlank()) {
            return named(property.strip(), "system property " + LoopProvider.BACKEND_PROPERTY);
        }
        String environment = System.getenv(LoopProvider.BACKEND_ENVIRONMENT);
        if (environment != null && !environment.isBlank()) {
            return named(environment.strip(), "environment variable " + LoopProvider.BACKEND_ENVIRONMENT);
        }
        return best();
    }

    private static LoopProvider best() throws LoopException {
        for (LoopProvider provider : installed()) {
            if (provider.isAvailable()) {
                return provider;
            }
        }
        throw new LoopException(ErrorCode.ENOTSUP, "no loopsock backend is available; installed: " + describeInstalled());
    }

    static LoopProvider named(String name, String source) throws LoopException {
        Objects.requireNonNull(name, "name");
        if (name.equals("default")) {
            return best();
        }
        for (LoopProvider provider : installed()) {
            if (provider.name().equals(name)) {
                if (!provider.isAvailable()) {
                    throw new LoopException(ErrorCode.ENOTSUP,
                            "backend '" + name + "' (from " + source + ") is unavailable here; installed: " + describeInstalled(),
                            provider.unavailabilityCause());
                }
                return provider;
            }
        }
        throw new LoopException(ErrorCode.ENOENT,
                "unknown backend '" + name + "' (from " + source + "); installed: " + describeInstalled());
    }

    /** Lists the installed providers for an error message, e.g. {@code "nio (available)"}. */
    static String describeInstalled() {
        if (installed().isEmpty()) {
            return "none (put a loopsock backend such as loopsock-backend-nio on the class path or module path)";
        }
        return installed().stream()
                .map(p -> p.name() + (p.isAvailable() ? " (available)" : " (unavailable: " + causeText(p) + ")"))
                .collect(Collectors.joining(", "));
    }

    static String causeText(LoopProvider provider) {
        Throwable cause = provider.unavailabilityCause();
        return cause == null ? "no cause given" : String.valueOf(cause.getMessage());
    }
}
