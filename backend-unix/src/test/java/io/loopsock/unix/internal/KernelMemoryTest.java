package io.loopsock.unix.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** KernelMemory's blocks: their size and alignment, and the frees it refuses. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class KernelMemoryTest {

    @Test
    void aBlockHasItsSizeAndIsFreedOnce() {
        int before = KernelMemory.held();
        ByteBuffer block = KernelMemory.allocate(1000);
        assertThat(block.isDirect()).isTrue();
        assertThat(block.position()).isZero();
        assertThat(block.capacity()).isEqualTo(1000);
        block.put(999, (byte) 7);
        assertThat(block.get(999)).isEqualTo((byte) 7);
        assertThat(KernelMemory.held()).isEqualTo(before + 1);

        KernelMemory.free(block);
        assertThat(KernelMemory.held()).isEqualTo(before);
        assertThatThrownBy(() -> KernelMemory.free(block))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("does not hold");
    }

    @Test
    void anAlignedBlockStartsOnItsAlignmentAndIsFreedByItsAddress() {
        int before = KernelMemory.held();
        for (int alignment : new int[] {1, 16, 4096, 65536}) {
            ByteBuffer block = KernelMemory.allocateAligned(4096, alignment);
            long address = KernelMemory.address(block);
            assertThat(address % alignment).as("alignment %d", alignment).isZero();
            assertThat(block.capacity()).isEqualTo(4096);
            block.put(0, (byte) 1).put(4095, (byte) 2);
            KernelMemory.free(block);
        }
        assertThat(KernelMemory.held()).isEqualTo(before);
    }

    @Test
    void memoryItDidNotMakeIsRefusedAndBadArgumentsAreNamed() {
        assertThatThrownBy(() -> KernelMemory.free(ByteBuffer.allocateDirect(64)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("does not hold");
        assertThatThrownBy(() -> KernelMemory.allocateAligned(64, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("power of two");
        assertThatThrownBy(() -> KernelMemory.allocate(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("positive");
        KernelMemory.free(null);
    }
}
