/* SPDX-License-Identifier: Apache-2.0 */
/* Replays a fuzz target's seed corpus and its kept crash inputs as a unit
 * test, on the normal and the sanitizer builds (make check-unit): linked
 * with one fuzz/fuzz_<name>.o as build/tests/replay_<name>, it feeds every
 * file of fuzz/corpus/<name>/ and fuzz/regressions/<name>/ (relative to the
 * top of the tree, where the tests run) to LLVMFuzzerTestOneInput, each in a
 * child process, and prints a Check-style summary for tests/run-unit.sh. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static int run_one(const char *path)
{
        unsigned char *buf = NULL;
        size_t len = 0, cap = 0, n;
        FILE *f = fopen(path, "rb");
        pid_t pid;
        int st;

        if (!f) {
                fprintf(stderr, "FAIL %s: cannot open\n", path);
                return 1;
        }
        for (;;) {
                if (len == cap) {
                        cap = cap ? cap * 2 : 4096;
                        buf = realloc(buf, cap);
                        if (!buf)
                                abort();
                }
                n = fread(buf + len, 1, cap - len, f);
                if (n == 0)
                        break;
                len += n;
        }
        fclose(f);
        pid = fork();
        if (pid < 0)
                abort();
        if (pid == 0) {
                LLVMFuzzerTestOneInput(buf, len);
                _exit(0);
        }
        free(buf);
        if (waitpid(pid, &st, 0) != pid)
                abort();
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
                return 0;
        if (WIFSIGNALED(st))
                fprintf(stderr, "FAIL %s: killed by signal %d\n", path, WTERMSIG(st));
        else
                fprintf(stderr, "FAIL %s: exit status %d\n", path, WEXITSTATUS(st));
        return 1;
}

static void run_dir(const char *dir, int *n, int *failed)
{
        struct dirent **names = NULL;
        int k = scandir(dir, &names, NULL, alphasort);

        for (int i = 0; i < k; i++) {
                char path[4096];
                if (names[i]->d_name[0] != '.') {
                        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
                        (*n)++;
                        *failed += run_one(path);
                }
                free(names[i]);
        }
        free(names);
}

int main(int argc, char *argv[])
{
        const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
        char dir[512];
        int n = 0, failed = 0;

        (void)argc;
        if (strncmp(name, "replay_", 7) == 0)
                name += 7;
        snprintf(dir, sizeof dir, "fuzz/corpus/%s", name);
        run_dir(dir, &n, &failed);
        snprintf(dir, sizeof dir, "fuzz/regressions/%s", name);
        run_dir(dir, &n, &failed);
        if (n == 0) {
                fprintf(stderr, "no input found for '%s' (run from the top of the tree)\n", name);
                return 1;
        }
        printf("%d%%: Checks: %d, Failures: %d, Errors: 0\n", (n - failed) * 100 / n, n, failed);
        return failed ? 1 : 0;
}
