package io.loopsock.kqueue.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loopsock.ErrorCode;
import io.loopsock.Loop;
import io.loopsock.LoopException;
import io.loopsock.spi.LoopProvider;
import io.netty.channel.kqueue.KQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** How kqueue reports itself on Linux, where it cannot run: unavailable, with one clear reason. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class KqueueAvailabilityTest {

    private static LoopProvider kqueue() {
        return LoopProvider.installed().stream().filter(p -> p.name().equals("kqueue")).findFirst().orElseThrow();
    }

    @Test
    void theProviderIsInstalledUnderItsName() {
        assertThat(LoopProvider.installed()).extracting(LoopProvider::name).contains("kqueue", "nio");
        assertThat(kqueue()).isInstanceOf(KqueueLoopProvider.class);
        assertThat(kqueue().priority()).isEqualTo(300);
    }

    @Test
    void itIsUnavailableOnLinuxWithNettysCauseUnderneath() {
        LoopProvider kqueue = kqueue();
        assertThat(kqueue.isAvailable()).isFalse();
        Throwable cause = kqueue.unavailabilityCause();
        assertThat(cause).isInstanceOf(UnsupportedOperationException.class);
        assertThat(cause.getMessage())
                .startsWith("kqueue needs macOS or FreeBSD; this is Linux")
                .contains("Only supported on OSX/BSD")
                .doesNotContain("\n");
        assertThat(cause.getCause()).isSameAs(KQueue.unavailabilityCause()).isNotNull();
    }

    @Test
    void openFailsWithTheReason() {
        assertThatThrownBy(() -> kqueue().open())
                .isInstanceOfSatisfying(LoopException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.ENOTSUP))
                .hasMessageContaining("kqueue is not available: kqueue needs macOS or FreeBSD; this is Linux")
                .hasCauseInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void namingItFailsWithTheReasonAndTheInstalledList() {
        assertThatThrownBy(() -> LoopProvider.named("kqueue"))
                .isInstanceOfSatisfying(LoopException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.ENOTSUP))
                .hasMessageContaining("kqueue (unavailable: kqueue needs macOS or FreeBSD; this is Linux (IllegalStateException: Only supported on OSX/BSD))")
                .hasMessageContaining("nio (available)");
    }

    @Test
    void discoverySkipsItForTheNextAvailableBackend() throws LoopException {
        // "default" is the selection's last step, whatever the environment names.
        assertThat(LoopProvider.named("default").name()).isEqualTo("nio");
        try (Loop loop = Loop.open("default")) {
            assertThat(loop.provider().name()).isEqualTo("nio");
        }
    }

    @Test
    void theCauseNamesTheOperatingSystem() {
        assertThat(KqueueLoopProvider.explain("Linux", null)).isNull();
        Throwable netty = new ExceptionInInitializerError(new IllegalStateException("Only supported on OSX/BSD"));
        assertThat(KqueueLoopProvider.explain("Linux", netty))
                .hasMessage("kqueue needs macOS or FreeBSD; this is Linux (IllegalStateException: Only supported on OSX/BSD)")
                .hasCause(netty);
        assertThat(KqueueLoopProvider.explain("Mac OS X", new UnsatisfiedLinkError("no netty_transport_native_kqueue_aarch_64")))
                .hasMessage("Netty's kqueue transport did not load on Mac OS X (UnsatisfiedLinkError: no netty_transport_native_kqueue_aarch_64)");
    }
}
