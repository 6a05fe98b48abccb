/* SPDX-License-Identifier: Apache-2.0 */
#include "spawn.h"
#include "cleanup.h"
#include "fileio.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

void ect_spawn_result_clear(struct ect_spawn_result *r)
{
        free(r->out);
        free(r->errout);
        r->out = r->errout = NULL;
}

int ect_spawn_found(const char *prog)
{
        const char *path = getenv("PATH");
        cleanup_free char *copy = NULL;
        char *save = NULL;

        if (strchr(prog, '/'))
                return access(prog, X_OK) == 0;
        copy = xstrdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
        for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
                cleanup_free char *p = xasprintf("%s/%s", *d ? d : ".", prog);
                struct stat st;
                if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0)
                        return 1;
        }
        return 0;
}

static int read_back(int fd, size_t max, const char *what, char **ret, size_t *ret_len,
                     struct ect_error **err)
{
        if (lseek(fd, 0, SEEK_SET) < 0)
                return ect_error_set(err, errno, "lseek %s", what);
        return ect_read_fd(fd, what, max, ret, ret_len, err);
}

int ect_spawn(char *const argv[], int pass_stdout, struct ect_spawn_result *ret,
              struct ect_error **err)
{
        /* Output into memory files, read after the exit: no pipe to keep
         * drained while the program runs. */
        cleanup_close int out = memfd_create("ect-stdout", MFD_CLOEXEC);
        cleanup_close int errfd = memfd_create("ect-stderr", MFD_CLOEXEC);
        posix_spawn_file_actions_t fa;
        pid_t pid;
        int r, st;

        memset(ret, 0, sizeof *ret);
        if (out < 0 || errfd < 0)
                return ect_error_set(err, errno, "memfd_create");
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        if (!pass_stdout)
                posix_spawn_file_actions_adddup2(&fa, out, STDOUT_FILENO);
        posix_spawn_file_actions_adddup2(&fa, errfd, STDERR_FILENO);
        r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        if (r != 0)
                return ect_error_set(err, r, "cannot run '%s'", argv[0]);
        while (waitpid(pid, &st, 0) < 0)
                if (errno != EINTR)
                        return ect_error_set(err, errno, "waitpid '%s'", argv[0]);
        ret->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        if (!pass_stdout && read_back(out, 16 << 20, "stdout", &ret->out, &ret->out_len, err) < 0)
                return -1;
        if (read_back(errfd, 1 << 20, "stderr", &ret->errout, NULL, err) < 0) {
                ect_spawn_result_clear(ret);
                return -1;
        }
        return 0;
}
