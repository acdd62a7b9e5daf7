/* Per-run cost of a command: median wall time, median CPU (user+sys) and median peak RSS
 * over many runs. Each run is fork+exec from this small process and reaped with wait4(), so
 * the figures are the child's own (a Python or shell wrapper would add its own memory to the
 * child's peak RSS, because Linux carries the pre-exec high-water mark over).
 *
 *   bench-measure RUNS WARMUP LABEL [VAR=value...] command args... [::: LABEL [VAR=value...] command args...]...
 *
 * With several commands (separated by a ":::" argument) the runs interleave, one of each in
 * turn, so that the machine's drift (another VM on the host, a CPU's clock) falls on all of
 * them alike: ratios between rows of one call are what the README quotes. VAR=value words
 * before a command are set in that command's environment only (no env(1) process between).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct row {
    const char *label;
    char **assignments;  /* VAR=value words, n_assignments of them */
    int n_assignments;
    char **cmd;          /* NULL-terminated */
    double *wall, *cpu, *rss;
    int codes[256];
};

static void run_once(struct row *r, int slot) {
    double start = now();
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0); dup2(null, 1); dup2(null, 2);
        for (int i = 0; i < r->n_assignments; i++) putenv(r->assignments[i]);
        execvp(r->cmd[0], r->cmd);
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    wait4(pid, &status, 0, &ru);
    double end = now();
    if (slot < 0) return;
    r->wall[slot] = end - start;
    r->cpu[slot] = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    r->rss[slot] = ru.ru_maxrss / 1024.0;
    r->codes[WIFEXITED(status) ? WEXITSTATUS(status) : 255]++;
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: %s RUNS WARMUP LABEL [VAR=value...] command... [::: LABEL command...]...\n", argv[0]);
        return 2;
    }
    int runs = atoi(argv[1]), warmup = atoi(argv[2]);
    if (runs < 1 || warmup < 0) { fprintf(stderr, "bench-measure: RUNS must be 1 or more\n"); return 2; }
    struct row rows[32];
    int n = 0;
    for (int i = 3; i < argc;) {
        if (n == 32) { fprintf(stderr, "bench-measure: at most 32 commands in one call\n"); return 2; }
        struct row *r = &rows[n];
        memset(r, 0, sizeof *r);
        r->label = argv[i++];
        r->assignments = &argv[i];
        while (i < argc && strchr(argv[i], '=') != NULL && argv[i][0] != '/' && strcmp(argv[i], ":::") != 0) {
            r->n_assignments++;
            i++;
        }
        r->cmd = &argv[i];
        while (i < argc && strcmp(argv[i], ":::") != 0) i++;
        if (r->cmd == &argv[i]) { fprintf(stderr, "bench-measure: no command for %s\n", r->label); return 2; }
        if (i < argc) argv[i++] = NULL;  /* ends this command's argv */
        r->wall = calloc(runs, sizeof(double));
        r->cpu = calloc(runs, sizeof(double));
        r->rss = calloc(runs, sizeof(double));
        n++;
    }
    for (int i = -warmup; i < runs; i++)
        for (int k = 0; k < n; k++) run_once(&rows[k], i);
    for (int k = 0; k < n; k++) {
        struct row *r = &rows[k];
        qsort(r->wall, runs, sizeof(double), cmp);
        qsort(r->cpu, runs, sizeof(double), cmp);
        qsort(r->rss, runs, sizeof(double), cmp);
        printf("%-44s runs=%-4d wall=%8.2f ms  cpu=%7.2f ms  rss=%6.1f MiB  exit=", r->label, runs,
               r->wall[runs / 2] * 1000, r->cpu[runs / 2] * 1000, r->rss[runs / 2]);
        const char *sep = "";
        for (int c = 0; c < 256; c++) if (r->codes[c]) { printf("%s%d", sep, c); sep = ","; }
        printf("\n");
    }
    return 0;
}
