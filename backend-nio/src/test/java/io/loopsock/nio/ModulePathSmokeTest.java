package io.loopsock.nio;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopsock.Loop;
import io.loopsock.conformance.testing.ChildJvm;
import io.loopsock.spi.LoopProvider;
import io.loopsock.conformance.testing.LoopExtension;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one module-path smoke test: spi and backend-nio as named modules, nio found through
 * {@code uses}/{@code provides}, and the class-path services file in step with module-info.
 */
@ExtendWith(LoopExtension.class)
@Timeout(30)
class ModulePathSmokeTest {
    private static final String SERVICE = "io.loopsock.spi.LoopProvider";

    @TempDir
    Path dir;

    /** Where a class was loaded from: a directory of classes or a jar on the test class path. */
    private static Path locationOf(Class<?> type) throws URISyntaxException {
        Path location = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<Path> classPath = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!entry.isEmpty()) {
                classPath.add(Path.of(entry).toAbsolutePath().normalize());
            }
        }
        assertThat(classPath).as("the test class path").contains(location.toAbsolutePath().normalize());
        return location;
    }

    /** The spi module's classes or jar. */
    private static Path spi() throws URISyntaxException {
        return locationOf(Loop.class);
    }

    /** backend-nio's classes, found from the provider discovery returns for "nio". */
    private static Path nio() throws Exception {
        return locationOf(LoopProvider.named("nio").getClass());
    }

    private ChildJvm.Result onModulePath(List<Path> modules, String... arguments) throws Exception {
        List<String> args = new ArrayList<>();
        args.add("--show-module-resolution");
        args.add("--module-path");
        args.add(modules.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator)));
        args.add("-m");
        args.add("io.loopsock/io.loopsock.internal.Main");
        args.addAll(List.of(arguments));
        return ChildJvm.run(dir, Map.of(), args);
    }

    @Test
    @DisplayName("module path: `backends` finds nio through uses/provides (the resolver binds io.loopsock.nio) and selects it")
    void backendsFindsNioByServiceBinding() throws Exception {
        var result = onModulePath(List.of(spi(), nio()), "backends");
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output())
                .containsPattern("(?m)^root io\\.loopsock ")
                .containsPattern("(?m)^io\\.loopsock binds io\\.loopsock\\.nio ")
                .containsPattern("(?m)^nio\\s+100\\s+yes\\s")
                .contains("selected by default: nio");
    }

    @Test
    @DisplayName("module path: `demo nio` runs the seed experiment and prints the data, then the end of the stream")
    void demoOnModulePathReadsDataThenEndOfStream() throws Exception {
        var result = onModulePath(List.of(spi(), nio()), "demo", "nio");
        assertThat(result.exitCode()).as(result.output()).isZero();
        String output = result.output();
        int data = output.indexOf("[nio] client: read callback, data \"DATA\"");
        int end = output.indexOf("[nio] client: read callback, end of stream");
        assertThat(data).as(output).isNotNegative();
        assertThat(end).as("the end of the stream comes after the data:%n%s", output).isGreaterThan(data);
        assertThat(output).contains("[nio] result: the data, then the end of the stream (not an error)")
                .doesNotContain("UNEXPECTED");
    }

    @Test
    @DisplayName("module path: with spi alone no backend is found, so the positive results above come from backend-nio's provides")
    void spiAloneFindsNoBackend() throws Exception {
        var result = onModulePath(List.of(spi()), "backends");
        assertThat(result.exitCode()).as(result.output()).isEqualTo(1);
        assertThat(result.output()).contains("no loopsock backend is installed").doesNotContain("binds io.loopsock.nio");
    }

    @Test
    @DisplayName("module path: module-info's provides of io.loopsock.nio and META-INF/services name the same provider class, the one discovery loads")
    void moduleInfoAndServicesFileAgree() throws Exception {
        Path nio = nio();
        Set<ModuleReference> found = ModuleFinder.of(nio).findAll();
        assertThat(found).hasSize(1);
        ModuleDescriptor descriptor = found.iterator().next().descriptor();
        assertThat(descriptor.name()).isEqualTo("io.loopsock.nio");
        assertThat(descriptor.exports()).as("a backend exports nothing").isEmpty();
        assertThat(descriptor.requires()).extracting(ModuleDescriptor.Requires::name).contains("io.loopsock");
        List<String> provided = descriptor.provides().stream()
                .filter(p -> p.service().equals(SERVICE))
                .flatMap(p -> p.providers().stream())
                .toList();

        List<String> listed = servicesFileOf(nio);
        String loaded = LoopProvider.named("nio").getClass().getName();
        assertThat(provided).containsExactly(loaded);
        assertThat(listed).containsExactly(loaded);
    }

    @Test
    @DisplayName("module path: the spi module uses LoopProvider, exports only io.loopsock and io.loopsock.spi and requires only java.base")
    void spiDescriptorUsesTheProviderService() throws Exception {
        Set<ModuleReference> found = ModuleFinder.of(spi()).findAll();
        assertThat(found).hasSize(1);
        ModuleDescriptor descriptor = found.iterator().next().descriptor();
        assertThat(descriptor.name()).isEqualTo("io.loopsock");
        assertThat(descriptor.uses()).containsExactly(SERVICE);
        assertThat(descriptor.exports()).extracting(ModuleDescriptor.Exports::source)
                .containsExactlyInAnyOrder("io.loopsock", "io.loopsock.spi");
        assertThat(descriptor.requires()).extracting(ModuleDescriptor.Requires::name).containsExactly("java.base");
    }

    /** The provider classes that backend-nio's services file lists, read as a class-path resource. */
    private static List<String> servicesFileOf(Path location) throws IOException, URISyntaxException {
        URL mine = null;
        for (URL url : Collections.list(ModulePathSmokeTest.class.getClassLoader().getResources("META-INF/services/" + SERVICE))) {
            if (isUnder(url, location)) {
                mine = url;
            }
        }
        assertThat(mine).as("META-INF/services/%s under %s", SERVICE, location).isNotNull();
        List<String> classes = new ArrayList<>();
        try (var reader = new BufferedReader(new InputStreamReader(mine.openStream(), StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                int comment = line.indexOf('#');
                String name = (comment >= 0 ? line.substring(0, comment) : line).strip();
                if (!name.isEmpty()) {
                    classes.add(name);
                }
            }
        }
        return classes;
    }

    /** Tells whether a resource comes from the directory or jar at the location. */
    private static boolean isUnder(URL resource, Path location) throws URISyntaxException {
        Path root = location.toAbsolutePath().normalize();
        return switch (resource.getProtocol()) {
            case "file" -> Path.of(resource.toURI()).toAbsolutePath().normalize().startsWith(root);
            case "jar" -> {
                String jar = resource.toString().substring("jar:".length(), resource.toString().indexOf("!/"));
                yield Path.of(new URI(jar)).toAbsolutePath().normalize().equals(root);
            }
            default -> false;
        };
    }
}
