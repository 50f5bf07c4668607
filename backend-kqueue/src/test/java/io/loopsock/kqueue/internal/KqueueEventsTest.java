package io.loopsock.kqueue.internal;

import static io.loopsock.kqueue.internal.KqueueEvents.READABLE;
import static io.loopsock.kqueue.internal.KqueueEvents.WRITABLE;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.kqueue.KQueueIoEvent;
import io.netty.channel.kqueue.KQueueIoOps;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The kqueue constants and the poller's two translations, which need no kernel: Netty's
 * {@link KQueueIoOps} and {@link KQueueIoEvent} are plain values that load on Linux too.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class KqueueEventsTest {

    @Test
    void constantsAreThoseOfSysEventH() {
        assertThat(KqueueEvents.EVFILT_READ).isEqualTo((short) -1);
        assertThat(KqueueEvents.EVFILT_WRITE).isEqualTo((short) -2);
        assertThat(KqueueEvents.EV_ADD).isEqualTo((short) 0x0001);
        assertThat(KqueueEvents.EV_DELETE).isEqualTo((short) 0x0002);
        assertThat(KqueueEvents.EV_ENABLE).isEqualTo((short) 0x0004);
        assertThat(KqueueEvents.EV_DISABLE).isEqualTo((short) 0x0008);
        assertThat(KqueueEvents.EV_ERROR).isEqualTo((short) 0x4000);
        // 0x8000 does not fit a Java short: it is the sign bit, as in the kernel's u_short flags.
        assertThat(Short.toUnsignedInt(KqueueEvents.EV_EOF)).isEqualTo(0x8000);
    }

    @Test
    void aFilterIsAddedEnabledAndDeletedDisabledAsNettysChannelsDo() {
        KQueueIoOps on = KqueueEvents.change(KqueueEvents.EVFILT_READ, true);
        assertThat(on.filter()).isEqualTo(KqueueEvents.EVFILT_READ);
        assertThat(on.flags()).isEqualTo((short) 0x0005);
        assertThat(on.fflags()).isZero();
        assertThat(on.data()).isZero();
        KQueueIoOps off = KqueueEvents.change(KqueueEvents.EVFILT_WRITE, false);
        assertThat(off.filter()).isEqualTo(KqueueEvents.EVFILT_WRITE);
        assertThat(off.flags()).isEqualTo((short) 0x000A);
    }

    @Test
    void noFilterIsEverEdgeTriggered() {
        // EV_CLEAR (0x20) would make the poller edge-triggered, which its contract is not.
        for (boolean read : new boolean[] {false, true}) {
            for (boolean write : new boolean[] {false, true}) {
                for (KQueueIoOps ops : KqueueEvents.changes(!read, !write, read, write)) {
                    assertThat(ops.flags() & 0x20).isZero();
                }
            }
        }
    }

    @Test
    void interestChangesOnlyTheFiltersThatChange() {
        assertThat(describe(KqueueEvents.changes(false, false, true, false))).containsExactly("read on");
        assertThat(describe(KqueueEvents.changes(true, false, true, true))).containsExactly("write on");
        assertThat(describe(KqueueEvents.changes(true, true, false, false))).containsExactly("read off", "write off");
        assertThat(describe(KqueueEvents.changes(false, true, true, false))).containsExactly("read on", "write off");
        assertThat(KqueueEvents.changes(true, true, true, true)).isEmpty();
        assertThat(KqueueEvents.changes(false, false, false, false)).isEmpty();
    }

    private static List<String> describe(List<KQueueIoOps> changes) {
        return changes.stream()
                .map(ops -> (ops.filter() == KqueueEvents.EVFILT_READ ? "read" : "write")
                        + (ops.flags() == (KqueueEvents.EV_ADD | KqueueEvents.EV_ENABLE) ? " on" : " off"))
                .toList();
    }

    @Test
    void aReadEventIsReadable() {
        assertThat(readiness(KqueueEvents.EVFILT_READ, 0, 0, 1000)).isEqualTo(READABLE);
    }

    @Test
    void thePeersEndIsReadableOnly() {
        // EV_EOF without an error: the read that follows finds the data left, then the end.
        assertThat(readiness(KqueueEvents.EVFILT_READ, KqueueEvents.EV_EOF, 0, 0)).isEqualTo(READABLE);
    }

    @Test
    void aResetIsReadableAndWritable() {
        // EV_EOF with ECONNRESET (54 on the BSDs) in fflags.
        assertThat(readiness(KqueueEvents.EVFILT_READ, KqueueEvents.EV_EOF, 54, 0)).isEqualTo(READABLE | WRITABLE);
    }

    @Test
    void aWriteEventIsWritable() {
        assertThat(readiness(KqueueEvents.EVFILT_WRITE, 0, 0, 65536)).isEqualTo(WRITABLE);
    }

    @Test
    void aWriteEndIsReadableAndWritable() {
        // A refused connect reports EV_EOF on the write filter with ECONNREFUSED (61).
        assertThat(readiness(KqueueEvents.EVFILT_WRITE, KqueueEvents.EV_EOF, 61, 0)).isEqualTo(READABLE | WRITABLE);
    }

    @Test
    void aFailedChangeAndOtherFiltersAreNoReadiness() {
        assertThat(readiness(KqueueEvents.EVFILT_READ, KqueueEvents.EV_ERROR, 0, 9)).isZero();
        assertThat(readiness((short) -10, 0, 0, 0)).isZero();
    }

    private static int readiness(short filter, int flags, int fflags, long data) {
        KQueueIoEvent event = KQueueIoEvent.newEvent(7, filter, (short) flags, fflags, data, 1L);
        return KqueueEvents.readiness(event.filter(), event.flags(), event.fflags());
    }
}
