/* Per-run cost of a command: median wall time, median CPU (user+sys) and median peak RSS
 * over many runs. Each run is fork+exec from this small process and reaped with wait4(), so
 * the figures are the child's own (a Python or shell wrapper would add its own memory to the
 * child's peak RSS, because Linux carries the pre-exec high-water mark over).
 *
 *   bench-measure RUNS WARMUP LABEL command args...
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

int main(int argc, char **argv) {
    if (argc < 5) { fprintf(stderr, "usage: %s RUNS WARMUP LABEL command...\n", argv[0]); return 2; }
    int runs = atoi(argv[1]), warmup = atoi(argv[2]);
    const char *label = argv[3];
    char **cmd = &argv[4];
    double *wall = calloc(runs, sizeof(double)), *cpu = calloc(runs, sizeof(double)), *rss = calloc(runs, sizeof(double));
    int codes[256] = {0};
    for (int i = -warmup; i < runs; i++) {
        double start = now();
        pid_t pid = fork();
        if (pid == 0) {
            int null = open("/dev/null", O_RDWR);
            dup2(null, 0); dup2(null, 1); dup2(null, 2);
            execvp(cmd[0], cmd);
            _exit(127);
        }
        int status = 0;
        struct rusage ru;
        wait4(pid, &status, 0, &ru);
        double end = now();
        if (i < 0) continue;
        wall[i] = end - start;
        cpu[i] = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
        rss[i] = ru.ru_maxrss / 1024.0;
        codes[WIFEXITED(status) ? WEXITSTATUS(status) : 255]++;
    }
    qsort(wall, runs, sizeof(double), cmp);
    qsort(cpu, runs, sizeof(double), cmp);
    qsort(rss, runs, sizeof(double), cmp);
    printf("%-44s runs=%-4d wall=%8.2f ms  cpu=%7.2f ms  rss=%6.1f MiB  exit=", label, runs,
           wall[runs / 2] * 1000, cpu[runs / 2] * 1000, rss[runs / 2]);
    const char *sep = "";
    for (int c = 0; c < 256; c++) if (codes[c]) { printf("%s%d", sep, c); sep = ","; }
    printf("\n");
    return 0;
}
