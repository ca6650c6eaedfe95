/* insncount.c plus per-layer snapshots: every getppid() system call the guest
 * makes (Octet's `bench --layer-markers` makes one before the first layer and
 * one after each layer) records the running counts, and at exit the plugin
 * prints one line per marker:  marker <i> <instructions> <neon64> <fp simd>
 * Deltas between consecutive markers are one layer's cost. The counters are
 * those of insncount.c, unchanged (it is included, not copied).
 * Build: gcc -O2 -shared -fPIC -o layercost.so layercost.c   (beside insncount.c) */
#define qemu_plugin_install insncount_install
#include "insncount.c"
#undef qemu_plugin_install

extern void qemu_plugin_register_vcpu_syscall_cb(
    plugin_id, void (*)(plugin_id, unsigned int, int64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
                        uint64_t, uint64_t, uint64_t));

/* getppid: 64 on armv7 EABI, 173 on aarch64 (the generic table) */
static int64_t marker_nr = -1;
enum { MAX_MARKERS = 1 << 16 };
static uint64_t snaps[MAX_MARKERS][3];
static unsigned n_snaps;

static void on_syscall(plugin_id id, unsigned int vcpu, int64_t num, uint64_t a1, uint64_t a2, uint64_t a3,
                       uint64_t a4, uint64_t a5, uint64_t a6, uint64_t a7, uint64_t a8) {
    (void)id; (void)vcpu; (void)a1; (void)a2; (void)a3; (void)a4; (void)a5; (void)a6; (void)a7; (void)a8;
    if (num != marker_nr || n_snaps >= MAX_MARKERS) return;
    snaps[n_snaps][0] = insns;
    snaps[n_snaps][1] = cost;
    snaps[n_snaps][2] = fcost;
    n_snaps++;
}

/* One at-exit callback per plugin: this one replaces insncount.c's and calls it. */
static void print_markers(plugin_id id, void *unused) {
    at_exit(id, unused);
    for (unsigned i = 0; i < n_snaps; i++)
        fprintf(stderr, "marker %u %llu %llu %llu\n", i, (unsigned long long)snaps[i][0],
                (unsigned long long)snaps[i][1], (unsigned long long)snaps[i][2]);
}

/* argument: nr=<getppid's number on the guest> (64 armv7, 173 aarch64) */
__attribute__((visibility("default")))
int qemu_plugin_install(plugin_id id, const void *info, int argc, char **argv) {
    for (int i = 0; i < argc; i++)
        if (starts_with(argv[i], "nr=")) marker_nr = atoll(argv[i] + 3);
    if (marker_nr < 0) {
        fprintf(stderr, "layercost: pass -plugin layercost.so,nr=<getppid syscall number>\n");
        return -1;
    }
    int rc = insncount_install(id, info, argc, argv);
    qemu_plugin_register_vcpu_syscall_cb(id, on_syscall);
    qemu_plugin_register_atexit_cb(id, print_markers, NULL);
    return rc;
}
