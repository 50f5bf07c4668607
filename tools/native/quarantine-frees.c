// LD_PRELOAD checker: catches writes into freed memory, by any thread or by the kernel. Every
// freed block (under 1 MiB) is filled with a pattern and held back instead of being freed: up to
// 384 MiB or 262,144 blocks, which in a conformance run holds a block for one to several seconds.
// When a block leaves the quarantine its pattern is checked; a changed byte aborts the process
// with the block's size, the changed range, the block's age and its first changed bytes.
//
// Memory comes from glibc's malloc as before; malloc is defined here only so that callers that
// take malloc and free as a pair from the global scope (loopsock's KernelMemory) take this free.
// Memory freed through the FFM API's default lookup bypasses every LD_PRELOAD (see
// docs/native-memory.md).
//
// Build: gcc -O2 -fPIC -shared -o quarantine-frees.so quarantine-frees.c -ldl -lpthread
#define _GNU_SOURCE
#include <dlfcn.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SLOTS (1 << 18)
#define MAX_BYTES (384UL << 20)
#define BIG (1UL << 20)
#define PATTERN 0xDB
#define EVICT_AT_ONCE 64

extern void *__libc_malloc(size_t);

static void (*real_free)(void *);
static struct { unsigned char *p; size_t n; struct timespec t; } held[SLOTS];
static size_t head, tail, count, bytes;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static double seconds_since(struct timespec t) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - t.tv_sec) + (now.tv_nsec - t.tv_nsec) / 1e9;
}

static void check(unsigned char *p, size_t n, struct timespec t) {
    size_t first = n, last = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] != PATTERN) { if (first == n) first = i; last = i; }
    }
    if (first == n) return;
    char line[512];
    int k = snprintf(line, sizeof line, "quarantine-frees: write after free: block %p of %zu bytes, bytes %zu..%zu changed, freed %.3f s ago; first:",
                     (void *) p, n, first, last, seconds_since(t));
    for (size_t b = first; b < first + 32 && b < n && k < (int) sizeof line - 8; b++) k += snprintf(line + k, sizeof line - k, " %02x", p[b]);
    k += snprintf(line + k, sizeof line - k, "\n");
    write(2, line, k);
    const char *path = getenv("QUARANTINE_FREES_LOG");
    if (path) {
        FILE *f = fopen(path, "a");
        if (f) { fputs(line, f); fclose(f); }
    }
    abort();
}

void *malloc(size_t n) { return __libc_malloc(n); }

void free(void *ptr) {
    if (!ptr) return;
    if (!real_free) real_free = (void (*)(void *)) dlsym(RTLD_NEXT, "free");
    size_t n = malloc_usable_size(ptr);
    if (n >= BIG) { real_free(ptr); return; }
    memset(ptr, PATTERN, n);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    unsigned char *out[EVICT_AT_ONCE]; size_t out_n[EVICT_AT_ONCE]; struct timespec out_t[EVICT_AT_ONCE];
    int evicted = 0;
    pthread_mutex_lock(&lock);
    while ((count == SLOTS || bytes + n > MAX_BYTES) && evicted < EVICT_AT_ONCE) {
        out[evicted] = held[tail].p; out_n[evicted] = held[tail].n; out_t[evicted] = held[tail].t; evicted++;
        bytes -= held[tail].n; tail = (tail + 1) % SLOTS; count--;
    }
    held[head].p = ptr; held[head].n = n; held[head].t = now;
    head = (head + 1) % SLOTS; count++; bytes += n;
    pthread_mutex_unlock(&lock);
    for (int i = 0; i < evicted; i++) {
        check(out[i], out_n[i], out_t[i]);
        real_free(out[i]);
    }
}

void *realloc(void *ptr, size_t n) {
    static void *(*real_realloc)(void *, size_t);
    if (!real_realloc) real_realloc = (void *(*)(void *, size_t)) dlsym(RTLD_NEXT, "realloc");
    if (!ptr || n == 0) return real_realloc(ptr, n);
    size_t old = malloc_usable_size(ptr);
    if (old >= BIG) return real_realloc(ptr, n);
    void *fresh = malloc(n);
    if (!fresh) return NULL;
    memcpy(fresh, ptr, old < n ? old : n);
    free(ptr);
    return fresh;
}
