/* SPDX-License-Identifier: Apache-2.0 */
/* The --watch loop: poll() on an inotify fd (lib/watch.h) and a signalfd,
 * with a timeout only while a debounce window is open, so an idle watcher
 * sleeps in poll() without any timer.
 *
 * The file at the output path is the spec of the devices there are right
 * now, or no file at all: the CDI spec format requires at least one device,
 * so while no device matches the file is removed (engines then simply know
 * no aliyun.com/erdma device) and it comes back with the first device. Each
 * write goes through ect_write_file_atomic() (temporary file, fsync,
 * rename), so a reader never sees half a spec, and happens only when the
 * text differs from the file's, so engines that watch /var/run/cdi are not
 * woken for nothing. Signals are blocked and read from the signalfd between
 * two writes, so SIGTERM never leaves a temporary file behind. */
#include "watcher.h"
#include "cleanup.h"
#include "debounce.h"
#include "fileio.h"
#include "log.h"
#include "watch.h"
#include "xalloc.h"

#include <errno.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

int cdi_remove_spec(const char *output, const char *summary)
{
        if (unlink(output) == 0)
                log_info("removed %s: %s", output, summary);
        else if (errno == ENOENT)
                log_info("no spec at %s for now: %s", output, summary);
        else
                return -1;
        return 0;
}

/* A regeneration after the first failed: the old spec stays, and the next
 * change tries again. Frees *err. */
static void warn_spec_kept(const struct cdi_watch *w, struct ect_error **err)
{
        cleanup_free char *text = ect_error_text(*err);

        log_warn("%s; %s is left as it was, retrying on the next change", text, w->output);
        ect_error_free(err);
}

/* One regeneration. A failure is fatal (< 0) only on the first run: a watcher
 * that cannot make its first spec is misconfigured and should say so to its
 * supervisor; later, the host may be in the middle of a change, so the old
 * spec stays and the next event tries again. */
static int regenerate(const struct cdi_watch *w, bool first)
{
        cleanup_free char *buf = NULL;
        cleanup_free char *summary = NULL;
        struct ect_error *err = NULL;
        size_t len = 0;
        int r = w->render(w->ctx, &buf, &len, &summary, &err);

        if (r == 0) {
                if (cdi_remove_spec(w->output, summary) < 0)
                        log_warn("cannot remove %s, ignoring: %m", w->output);
                return 0;
        }
        if (r > 0) {
                if (ect_file_has_content(w->output, buf, len)) {
                        log_debug("%s is up to date", w->output);
                        return 0;
                }
                r = ect_write_file_atomic(w->output, buf, len, 0644, &err);
                if (r >= 0) {
                        log_info("wrote %s: %s", w->output, summary);
                        return 0;
                }
                ect_error_wrap(&err, "cannot write the spec");
        }
        if (first) {
                log_error_err(err);
                ect_error_free(&err);
                return -1;
        }
        warn_spec_kept(w, &err);
        return 0;
}

/* Nothing creates /run/cdi on a fresh boot (engines only read it): make the
 * last component of the output's directory when its parent is there. A
 * deeper miss is left to the first write to report. */
static void make_output_dir(const char *output)
{
        cleanup_free char *copy = xstrdup(output);
        const char *dir = dirname(copy);

        if (mkdir(dir, 0755) == 0) {
                (void)chmod(dir, 0755); /* whatever the umask */
                log_info("created %s", dir);
        } else if (errno != EEXIST)
                log_debug("mkdir '%s': %s", dir, strerror(errno));
}

/* One signal from sfd: SIGHUP asks for a regeneration (through the
 * debounce, like a device event); SIGTERM, SIGINT end the loop (true). */
static bool read_signal(int sfd, const struct cdi_watch *w, struct ect_debounce *db)
{
        struct signalfd_siginfo si;
        ssize_t k = read(sfd, &si, sizeof si);

        if (k != (ssize_t)sizeof si)
                return false;
        if (si.ssi_signo == SIGHUP) {
                log_info("SIGHUP: regenerating %s", w->output);
                ect_debounce_event(db, ect_watch_now_ms());
                return false;
        }
        log_info("%s: stopping", strsignal((int)si.ssi_signo));
        return true;
}

/* The pending inotify events: a device change opens the debounce window.
 * < 0 (logged) when the watch itself failed. */
static int read_changes(struct ect_watch *iw, struct ect_debounce *db)
{
        struct ect_error *err = NULL;
        int r = ect_watch_read(iw, &err);

        if (r < 0) {
                log_error_err(err);
                ect_error_free(&err);
                return -1;
        }
        if (r > 0)
                ect_debounce_event(db, ect_watch_now_ms());
        return 0;
}

int cdi_watch_run(const struct cdi_watch *w)
{
        cleanup_watch struct ect_watch *iw = NULL;
        cleanup_close int sfd = -1;
        struct ect_debounce db;
        struct ect_error *err = NULL;
        sigset_t mask, old;
        int status = EXIT_FAILURE;

        /* Blocked before anything is written: a SIGTERM while a temporary
         * file exists waits for the loop. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &mask, &old) < 0) {
                log_error("cannot block signals: %m");
                return EXIT_FAILURE;
        }
        sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (sfd < 0) {
                log_error("signalfd: %m");
                goto out;
        }
        /* Watch first, then generate: a device that appears in between is
         * both in the spec and an event, never neither. */
        if (ect_watch_new(w->dev_root, w->sysfs_root, &iw, &err) < 0) {
                log_error_err(err);
                ect_error_free(&err);
                goto out;
        }
        make_output_dir(w->output);
        if (regenerate(w, true) < 0)
                goto out;
        log_info("watching %s/infiniband%s for device changes", w->dev_root ? w->dev_root : "/dev",
                 ect_watch_has_ib_dir(iw) ? "" : " (to appear)");

        ect_debounce_init(&db, ECT_WATCH_QUIET_MS, ECT_WATCH_MAX_MS);
        for (;;) {
                struct pollfd p[2] = {
                        {.fd = ect_watch_fd(iw), .events = POLLIN},
                        {.fd = sfd, .events = POLLIN},
                };
                int n = poll(p, 2, ect_debounce_timeout(&db, ect_watch_now_ms()));

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        log_error("poll: %m");
                        goto out;
                }
                if ((p[1].revents & POLLIN) && read_signal(sfd, w, &db)) {
                        status = EXIT_SUCCESS;
                        goto out;
                }
                if ((p[0].revents & POLLIN) && read_changes(iw, &db) < 0)
                        goto out;
                if (ect_debounce_due(&db, ect_watch_now_ms()))
                        (void)regenerate(w, false);
        }
out:
        (void)sigprocmask(SIG_SETMASK, &old, NULL);
        return status;
}
