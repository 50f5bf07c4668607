package io.loopsock.spi;

import java.util.Arrays;

/**
 * A binary min-heap of timers ordered by due time, then start order, with O(log n) removal: each
 * timer remembers its slot.
 */
final class TimerQueue {
    private LoopTimer[] heap = new LoopTimer[16];
    private int size;

    LoopTimer peek() {
        return size == 0 ? null : heap[0];
    }

    void add(LoopTimer timer) {
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        heap[size] = timer;
        timer.slot = size;
        size++;
        up(timer.slot);
    }

    void remove(LoopTimer timer) {
        int slot = timer.slot;
        if (slot < 0) {
            return;
        }
        timer.slot = -1;
        size--;
        if (slot == size) {
            heap[size] = null;
            return;
        }
        LoopTimer last = heap[size];
        heap[size] = null;
        heap[slot] = last;
        last.slot = slot;
        if (!up(slot)) {
            down(slot);
        }
    }

    private static boolean before(LoopTimer a, LoopTimer b) {
        return a.due < b.due || (a.due == b.due && a.order < b.order);
    }

    private boolean up(int slot) {
        LoopTimer timer = heap[slot];
        int start = slot;
        while (slot > 0) {
            int parent = (slot - 1) >>> 1;
            if (!before(timer, heap[parent])) {
                break;
            }
            heap[slot] = heap[parent];
            heap[slot].slot = slot;
            slot = parent;
        }
        heap[slot] = timer;
        timer.slot = slot;
        return slot != start;
    }

    private void down(int slot) {
        LoopTimer timer = heap[slot];
        while (true) {
            int child = 2 * slot + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && before(heap[child + 1], heap[child])) {
                child++;
            }
            if (!before(heap[child], timer)) {
                break;
            }
            heap[slot] = heap[child];
            heap[slot].slot = slot;
            slot = child;
        }
        heap[slot] = timer;
        timer.slot = slot;
    }
}
