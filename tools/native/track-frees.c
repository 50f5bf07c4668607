// LD_PRELOAD checker: aborts at the first free (or realloc) of a pointer that is not live, that
// is, a double or invalid free, with the process's core showing who made it. It keeps every
// pointer the allocator hands out in a hash set and changes nothing in the heap's layout, so a
// bug that depends on which block reuses which memory still shows.
//
// It calls glibc's own __libc_* functions: the process keeps one allocator. Memory that Java
// code allocates through the FFM API's default lookup bypasses every LD_PRELOAD (see
// docs/native-memory.md); loopsock's KernelMemory binds through the global scope and is tracked.
//
// Build: gcc -O2 -fPIC -shared -o track-frees.so track-frees.c -lpthread
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void __libc_free(void *);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

#define BITS 23
#define CAP (1UL << BITS)
static uintptr_t table[CAP];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static size_t slot_of(uintptr_t p) { return (size_t) ((p >> 4) * 0x9E3779B97F4A7C15ULL >> (64 - BITS)); }

static void report(const char *what, void *ptr) {
    char line[160];
    int n = snprintf(line, sizeof line, "track-frees: %s %p\n", what, ptr);
    write(2, line, n);
    const char *path = getenv("TRACK_FREES_LOG");
    if (path) {
        FILE *f = fopen(path, "a");
        if (f) { fputs(line, f); fclose(f); }
    }
    abort();
}

static void add(void *ptr) {
    if (!ptr) return;
    uintptr_t p = (uintptr_t) ptr;
    pthread_mutex_lock(&lock);
    size_t i = slot_of(p);
    while (table[i] != 0) {
        if (table[i] == p) { pthread_mutex_unlock(&lock); report("the allocator handed out a live pointer again:", ptr); }
        i = (i + 1) & (CAP - 1);
    }
    table[i] = p;
    pthread_mutex_unlock(&lock);
}

// Removes a live pointer (linear probing, backward-shift deletion); false if it is not live.
static int remove_live(uintptr_t p) {
    pthread_mutex_lock(&lock);
    size_t i = slot_of(p);
    while (table[i] != 0 && table[i] != p) i = (i + 1) & (CAP - 1);
    if (table[i] == 0) { pthread_mutex_unlock(&lock); return 0; }
    size_t j = i;
    for (;;) {
        j = (j + 1) & (CAP - 1);
        if (table[j] == 0) break;
        size_t home = slot_of(table[j]);
        int movable = j > i ? (home <= i || home > j) : (home <= i && home > j);
        if (movable) { table[i] = table[j]; i = j; }
    }
    table[i] = 0;
    pthread_mutex_unlock(&lock);
    return 1;
}

void *malloc(size_t n) { void *p = __libc_malloc(n); add(p); return p; }
void *calloc(size_t count, size_t size) { void *p = __libc_calloc(count, size); add(p); return p; }
void *memalign(size_t alignment, size_t n) { void *p = __libc_memalign(alignment, n); add(p); return p; }
void *aligned_alloc(size_t alignment, size_t n) { return memalign(alignment, n); }
void *valloc(size_t n) { return memalign(sysconf(_SC_PAGESIZE), n); }
void *pvalloc(size_t n) { size_t page = sysconf(_SC_PAGESIZE); return memalign(page, (n + page - 1) & ~(page - 1)); }
int posix_memalign(void **out, size_t alignment, size_t n) {
    void *p = memalign(alignment, n);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}

void free(void *ptr) {
    if (!ptr) return;
    if (!remove_live((uintptr_t) ptr)) report("free of a pointer that is not live:", ptr);
    __libc_free(ptr);
}

void *realloc(void *ptr, size_t n) {
    if (ptr && !remove_live((uintptr_t) ptr)) report("realloc of a pointer that is not live:", ptr);
    void *p = __libc_realloc(ptr, n);
    if (p) add(p);
    else if (ptr && n != 0) add(ptr); // failed: the old block stays live
    return p;
}
