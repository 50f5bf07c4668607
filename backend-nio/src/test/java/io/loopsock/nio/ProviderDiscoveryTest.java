package io.loopsock.nio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loopsock.ErrorCode;
import io.loopsock.Loop;
import io.loopsock.LoopException;
import io.loopsock.conformance.testing.ChildJvm;
import io.loopsock.spi.Capability;
import io.loopsock.spi.LoopProvider;
import io.loopsock.conformance.testing.LoopExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finding backends: the installed list, selection by name, by system property, by environment
 * variable and by priority (LoopProvider's "Selection"; docs DESIGN.md "Discovery").
 */
@ExtendWith(LoopExtension.class)
@Timeout(30)
class ProviderDiscoveryTest {

    /** The launcher's main class; its package is not exported, so it is named, not referenced. */
    private static final String MAIN = "io.loopsock.internal.Main";

    @TempDir
    Path dir;

    /** Opens a loop with {@link Loop#open()} and prints the outcome; run in a child JVM. */
    static final class OpenDefaultLoop {
        private OpenDefaultLoop() {}

        /**
         * Opens a loop as discovery selects it.
         *
         * @param args ignored
         */
        public static void main(String[] args) {
            try (Loop loop = Loop.open()) {
                System.out.println("opened " + loop.provider().name());
            } catch (LoopException e) {
                System.out.println("failed " + e.code() + ": " + e.getMessage());
                System.exit(3);
            }
            System.exit(0);
        }
    }

    private ChildJvm.Result openInChild(Map<String, String> environment, String... jvmOptions) throws Exception {
        List<String> args = new ArrayList<>(List.of(jvmOptions));
        args.addAll(List.of("-cp", System.getProperty("java.class.path"), OpenDefaultLoop.class.getName()));
        return ChildJvm.run(dir, environment, args);
    }

    private ChildJvm.Result mainInChild(Map<String, String> environment, List<String> jvmOptions, String... command)
            throws Exception {
        List<String> args = new ArrayList<>(jvmOptions);
        args.addAll(List.of("-cp", System.getProperty("java.class.path"), MAIN));
        args.addAll(List.of(command));
        return ChildJvm.run(dir, environment, args);
    }

    // ---- in this JVM -----------------------------------------------------------------------------

    @Test
    @DisplayName("discovery: installed() lists nio, available, with no unavailability cause, highest priority first")
    void installedListsNioAvailable() {
        List<LoopProvider> installed = LoopProvider.installed();
        assertThat(installed).extracting(LoopProvider::name).contains("nio").doesNotHaveDuplicates();
        LoopProvider nio = installed.stream().filter(p -> p.name().equals("nio")).findFirst().orElseThrow();
        assertThat(nio.isAvailable()).isTrue();
        assertThat(nio.unavailabilityCause()).isNull();
        assertThat(installed).isSortedAccordingTo(
                Comparator.comparingInt(LoopProvider::priority).reversed().thenComparing(LoopProvider::name));
        assertThatThrownBy(() -> installed.add(nio)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    @DisplayName("discovery: named(\"nio\") returns the installed nio provider, and a loop it opens reports that provider")
    void namedNioWorks() throws Exception {
        LoopProvider nio = LoopProvider.named("nio");
        assertThat(nio.name()).isEqualTo("nio");
        assertThat(LoopProvider.installed()).contains(nio);
        try (Loop loop = Loop.open("nio")) {
            assertThat(loop.provider().name()).isEqualTo("nio");
            assertThat(loop.provider()).isSameAs(nio);
            assertThat(loop.isClosed()).isFalse();
        }
    }

    @Test
    @DisplayName("discovery: an unknown name is ENOENT, for named() and Loop.open(name), and the message names the installed backends")
    void unknownNameIsNoEntryNamingInstalledBackends() {
        assertThatThrownBy(() -> LoopProvider.named("nope"))
                .isInstanceOfSatisfying(LoopException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.ENOENT);
                    assertThat(e.getMessage()).contains("nope").contains("nio");
                });
        assertThatThrownBy(() -> Loop.open("nope"))
                .isInstanceOfSatisfying(LoopException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.ENOENT);
                    assertThat(e.getMessage()).contains("nio");
                });
    }

    @Test
    @DisplayName("discovery: \"default\" selects the available provider of highest priority")
    void defaultSelectsBestAvailable() throws Exception {
        LoopProvider best = LoopProvider.installed().stream().filter(LoopProvider::isAvailable).findFirst().orElseThrow();
        assertThat(LoopProvider.named("default")).isSameAs(best);
        try (Loop loop = Loop.open("default")) {
            assertThat(loop.provider()).isSameAs(best);
        }
    }

    @Test
    @DisplayName("discovery: nio's capabilities are a non-empty, unmodifiable set that includes BYTES_READABLE")
    void nioCapabilitiesIncludeBytesReadable() throws Exception {
        var capabilities = LoopProvider.named("nio").capabilities();
        assertThat(capabilities).isNotEmpty().contains(Capability.BYTES_READABLE);
        assertThatThrownBy(() -> capabilities.add(Capability.PIPE_ABSTRACT_NAMES))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    // ---- in a child JVM --------------------------------------------------------------------------

    @Test
    @DisplayName("discovery: with neither the property nor the variable, Loop.open() picks nio")
    void noChoiceOpensBestBackend() throws Exception {
        var result = openInChild(Map.of());
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("opened nio");
    }

    @Test
    @DisplayName("discovery: -Dloopsock.backend=nope makes Loop.open() fail with ENOENT, naming the installed backends")
    void unknownBackendPropertyFails() throws Exception {
        var result = openInChild(Map.of(), "-Dloopsock.backend=nope");
        assertThat(result.exitCode()).as(result.output()).isEqualTo(3);
        assertThat(result.output()).contains("failed ENOENT").contains("'nope'").contains("loopsock.backend").contains("nio");
    }

    @Test
    @DisplayName("discovery: LOOPSOCK_BACKEND=nope makes Loop.open() fail with ENOENT, naming the installed backends")
    void unknownBackendVariableFails() throws Exception {
        var result = openInChild(Map.of("LOOPSOCK_BACKEND", "nope"));
        assertThat(result.exitCode()).as(result.output()).isEqualTo(3);
        assertThat(result.output()).contains("failed ENOENT").contains("'nope'").contains("LOOPSOCK_BACKEND").contains("nio");
    }

    @Test
    @DisplayName("discovery: the system property wins over the environment variable; an empty property defers to the variable")
    void propertyWinsOverVariable() throws Exception {
        var propertyWins = openInChild(Map.of("LOOPSOCK_BACKEND", "nope"), "-Dloopsock.backend=nio");
        assertThat(propertyWins.exitCode()).as(propertyWins.output()).isZero();
        assertThat(propertyWins.output()).contains("opened nio");

        var emptyProperty = openInChild(Map.of("LOOPSOCK_BACKEND", "nope"), "-Dloopsock.backend=");
        assertThat(emptyProperty.exitCode()).as(emptyProperty.output()).isEqualTo(3);
        assertThat(emptyProperty.output()).contains("failed ENOENT").contains("LOOPSOCK_BACKEND");
    }

    @Test
    @DisplayName("discovery: `backends` lists nio as available and selected; with -Dloopsock.backend=nope it says why nothing is selected")
    void backendsCommandListsNio() throws Exception {
        var plain = mainInChild(Map.of(), List.of(), "backends");
        assertThat(plain.exitCode()).as(plain.output()).isZero();
        assertThat(plain.output()).containsPattern("(?m)^nio\\s+100\\s+yes\\s+.*BYTES_READABLE")
                .contains("selected by default: nio");

        var unknown = mainInChild(Map.of(), List.of("-Dloopsock.backend=nope"), "backends");
        assertThat(unknown.exitCode()).as(unknown.output()).isZero();
        assertThat(unknown.output()).contains("selected by default: none (ENOENT").contains("nio (available)");
    }
}
