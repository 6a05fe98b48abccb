/* SPDX-License-Identifier: Apache-2.0 */
#include "log.h"
#include "cleanup.h"
#include "json.h"
#include "xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *prog = "erdma";
static enum ect_log_level max_level = ECT_LOG_WARN;
static int file_fd = -1;
static int file_json;
static int extra_fd = -1;
static enum ect_log_level stderr_max = ECT_LOG_DEBUG;

static const char *const names[] = {"error", "warning", "info", "debug"};

void ect_log_init(const char *progname, enum ect_log_level level)
{
        const char *slash = strrchr(progname, '/');
        const char *env = secure_getenv("ERDMA_LOG_LEVEL");
        int from_env = ect_log_parse_level(env);

        prog = slash ? slash + 1 : progname;
        max_level = from_env >= 0 ? (enum ect_log_level)from_env : level;
}

void ect_log_set_level(enum ect_log_level level)
{
        max_level = level;
}

int ect_log_parse_level(const char *s)
{
        if (!s)
                return -1;
        if (strcmp(s, "error") == 0)
                return ECT_LOG_ERROR;
        if (strcmp(s, "warn") == 0 || strcmp(s, "warning") == 0)
                return ECT_LOG_WARN;
        if (strcmp(s, "info") == 0)
                return ECT_LOG_INFO;
        if (strcmp(s, "debug") == 0)
                return ECT_LOG_DEBUG;
        return -1;
}

void ect_log_set_file(int fd, int json)
{
        file_fd = fd;
        file_json = json;
}

/* One write() per line so that concurrent writers (the engine's other
 * runtimes share the log file) never interleave inside a line. */
static void write_all(int fd, const char *s, size_t n)
{
        while (n > 0) {
                ssize_t w = write(fd, s, n);
                if (w <= 0)
                        return;
                s += w;
                n -= (size_t)w;
        }
}

static void to_file(enum ect_log_level level, const char *msg)
{
        cleanup_free char *line = NULL;

        if (file_json) {
                /* runc's logrus format: Docker and containerd read the last
                 * "error" line of this file and show its msg to the user. */
                char ts[64];
                struct timespec now;
                struct tm tm;
                cleanup_free char *q = ect_json_quote(msg);
                clock_gettime(CLOCK_REALTIME, &now);
                gmtime_r(&now.tv_sec, &tm);
                strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
                line = xasprintf("{\"level\":\"%s\",\"msg\":%s,\"time\":\"%s.%09ldZ\"}\n",
                                 level == ECT_LOG_WARN ? "warning" : names[level], q, ts,
                                 now.tv_nsec);
        } else {
                line = xasprintf("%s: %s: %s\n", prog, names[level], msg);
        }
        write_all(file_fd, line, strlen(line));
}

void ect_log_set_stderr_level(enum ect_log_level level)
{
        stderr_max = level;
}

void ect_log_set_extra_file(int fd)
{
        extra_fd = fd;
}

static void to_extra(enum ect_log_level level, const char *msg)
{
        cleanup_free char *line = NULL;
        char ts[64];
        struct timespec now;
        struct tm tm;

        clock_gettime(CLOCK_REALTIME, &now);
        gmtime_r(&now.tv_sec, &tm);
        strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
        line = xasprintf("%s.%06ldZ %s[%ld]: %s: %s\n", ts, now.tv_nsec / 1000, prog,
                         (long)getpid(), names[level], msg);
        write_all(extra_fd, line, strlen(line));
}

void ect_log_write(enum ect_log_level level, const char *file, int line, const char *fmt, ...)
{
        cleanup_free char *msg = NULL;
        cleanup_free char *out = NULL;
        va_list ap;

        if (level > max_level)
                return;
        va_start(ap, fmt);
        msg = xvasprintf(fmt, ap);
        va_end(ap);
        if (level == ECT_LOG_DEBUG)
                out = xasprintf("%s: debug: %s:%d: %s\n", prog, file, line, msg);
        else if (level == ECT_LOG_ERROR)
                out = xasprintf("%s: %s\n", prog, msg);
        else
                out = xasprintf("%s: %s: %s\n", prog, names[level], msg);
        if (level <= stderr_max)
                write_all(STDERR_FILENO, out, strlen(out));
        if (file_fd >= 0)
                to_file(level, msg);
        if (extra_fd >= 0)
                to_extra(level, msg);
}

/* Every program's last error line goes through here. The message may hold
 * names from the image, the config or the environment; the engine shows the
 * line to the user as it is, so it stays one line without terminal escapes. */
static void replace_controls(char *s)
{
        for (; *s; s++)
                if ((unsigned char)*s < 0x20 || *s == 0x7f)
                        *s = '?';
}

void log_error_err(const struct ect_error *err)
{
        cleanup_free char *text = ect_error_text(err);

        replace_controls(text);
        log_error("%s", text);
}
