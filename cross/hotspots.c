/* insncount.c's neon64 cost per translated block, counted from the first
 * getppid() marker (Octet's `bench --layer-markers` makes one before the first
 * layer of the measured inference) to exit, so model loading and the warm-up
 * run are left out. At exit it prints one line per executed block:
 *   tb <guest address hex> <executions> <neon64 cost of one execution>
 * cross/hotspots.sh maps the addresses to functions. The cost of an
 * instruction is insncount.c's (it is included, not copied).
 * Build: gcc -O2 -shared -fPIC -o hotspots.so hotspots.c   (beside insncount.c) */
#define qemu_plugin_install insncount_install
#include "insncount.c"
#undef qemu_plugin_install

extern void qemu_plugin_register_vcpu_syscall_cb(
    plugin_id, void (*)(plugin_id, unsigned int, int64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
                        uint64_t, uint64_t, uint64_t));
extern void qemu_plugin_register_vcpu_tb_exec_cb(struct plugin_tb *, void (*)(unsigned int, void *), int flags,
                                                 void *userdata);
extern uint64_t qemu_plugin_tb_vaddr(const struct plugin_tb *);

struct block { uint64_t vaddr, execs, cost; };
enum { MAX_BLOCKS = 1 << 20 };
static struct block blocks[MAX_BLOCKS];
static unsigned n_blocks;
static int counting;
static int64_t marker_nr = -1;

static void on_exec(unsigned int vcpu, void *b) {
    (void)vcpu;
    if (counting) ((struct block *)b)->execs++;
}

static void on_translate_block(plugin_id id, struct plugin_tb *tb) {
    (void)id;
    if (n_blocks >= MAX_BLOCKS) return;
    size_t n = qemu_plugin_tb_n_insns(tb);
    uint64_t c = 0;
    for (size_t i = 0; i < n; i++) {
        char *d = qemu_plugin_insn_disas(qemu_plugin_tb_get_insn(tb, i));
        int is_simd = 0, is_fp = 0;
        c += d ? (uint64_t)insn_cost(d, &is_simd, &is_fp) : 1;
        free(d);
    }
    struct block *b = &blocks[n_blocks++];
    b->vaddr = qemu_plugin_tb_vaddr(tb);
    b->cost = c;
    b->execs = 0;
    qemu_plugin_register_vcpu_tb_exec_cb(tb, on_exec, 0 /* no registers */, b);
}

static void on_syscall(plugin_id id, unsigned int vcpu, int64_t num, uint64_t a1, uint64_t a2, uint64_t a3,
                       uint64_t a4, uint64_t a5, uint64_t a6, uint64_t a7, uint64_t a8) {
    (void)id; (void)vcpu; (void)a1; (void)a2; (void)a3; (void)a4; (void)a5; (void)a6; (void)a7; (void)a8;
    if (num == marker_nr) counting = 1;
}

static void print_blocks(plugin_id id, void *unused) {
    (void)id; (void)unused;
    for (unsigned i = 0; i < n_blocks; i++)
        if (blocks[i].execs)
            fprintf(stderr, "tb %llx %llu %llu\n", (unsigned long long)blocks[i].vaddr,
                    (unsigned long long)blocks[i].execs, (unsigned long long)blocks[i].cost);
}

/* argument: nr=<getppid's number on the guest> (64 armv7, 173 aarch64) */
__attribute__((visibility("default")))
int qemu_plugin_install(plugin_id id, const void *info, int argc, char **argv) {
    (void)info;
    for (int i = 0; i < argc; i++)
        if (starts_with(argv[i], "nr=")) marker_nr = atoll(argv[i] + 3);
    if (marker_nr < 0) {
        fprintf(stderr, "hotspots: pass -plugin hotspots.so,nr=<getppid syscall number>\n");
        return -1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate_block);
    qemu_plugin_register_vcpu_syscall_cb(id, on_syscall);
    qemu_plugin_register_atexit_cb(id, print_blocks, NULL);
    return 0;
}
