package io.loopsock.behavior;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Keeps the behaviour tests honest about what they check: every test names the rule of
 * shared/reference/libuv-pyuv-gevent.md it covers ("rule 32: ..."), or, for loopsock's own
 * choices that no libuv rule covers, the area it belongs to ("loop: ...").
 */
@Timeout(30)
class TestNamingTest {
    private static final Pattern NAMED = Pattern.compile(
            "^(rules? \\d+[\\d ,–-]*(\\([^)]*\\))?:|(loop|timer|watcher|discovery|module path|tcp|pipe|stream):) .+");

    @Test
    @DisplayName("discovery: every behaviour test names the rule it checks or its area")
    void everyTestNamesItsRule() throws IOException, URISyntaxException, ClassNotFoundException {
        Path root = Path.of(TestNamingTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path dir = root.resolve("io/loopsock/behavior");
        List<String> unnamed = new ArrayList<>();
        int tests = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.toString().endsWith("Test.class")).toList()) {
                String name = "io.loopsock.behavior." + file.getFileName().toString().replace(".class", "");
                for (Method method : Class.forName(name).getDeclaredMethods()) {
                    if (!method.isAnnotationPresent(Test.class)) {
                        continue;
                    }
                    tests++;
                    DisplayName display = method.getAnnotation(DisplayName.class);
                    if (display == null || !NAMED.matcher(display.value()).matches()) {
                        unnamed.add(name + "#" + method.getName() + (display == null ? "" : " \"" + display.value() + "\""));
                    }
                }
            }
        }
        assertThat(tests).as("behaviour tests found").isGreaterThan(0);
        assertThat(unnamed).as("tests whose display name names no rule").isEmpty();
    }
}
