/* SPDX-License-Identifier: Apache-2.0 */
/* The only logger. Programs call ect_log_init() once with their name; lines go
 * to stderr as "erdma-hook: message". lib/ only uses log_debug(). */
#pragma once
#include "error.h"

enum ect_log_level { ECT_LOG_ERROR, ECT_LOG_WARN, ECT_LOG_INFO, ECT_LOG_DEBUG };

/* Sets the program's name and its level: ERDMA_LOG_LEVEL ("error", "warn",
 * "info", "debug"; read here, once for every program, with secure_getenv),
 * else level, the program's default (an unknown value is ignored). A later
 * ect_log_set_level() (--debug, a config's log-level) overrides both. */
void ect_log_init(const char *progname, enum ect_log_level level);
void ect_log_set_level(enum ect_log_level level);
/* Parses "error", "warn"/"warning", "info", "debug"; -1 when unknown. */
int ect_log_parse_level(const char *s);
/* Additionally copies every line to fd (the shim's --log file), formatted as
 * runc formats its log: JSON lines when json is true. -1 turns it off. */
void ect_log_set_file(int fd, int json);
/* Also appends every line, as "TIME PROG[PID]: level: msg", to fd (the
 * configuration's log-file). -1 turns it off. */
void ect_log_set_extra_file(int fd);
/* Caps what reaches stderr (default: everything the level lets through).
 * The runtime shim's stderr is the container's stderr during create, so it
 * keeps stderr to errors and sends the rest to its log files. */
void ect_log_set_stderr_level(enum ect_log_level level);
void ect_log_write(enum ect_log_level level, const char *file, int line, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

#define log_error(...) ect_log_write(ECT_LOG_ERROR, __FILE__, __LINE__, __VA_ARGS__)
#define log_warn(...) ect_log_write(ECT_LOG_WARN, __FILE__, __LINE__, __VA_ARGS__)
#define log_info(...) ect_log_write(ECT_LOG_INFO, __FILE__, __LINE__, __VA_ARGS__)
#define log_debug(...) ect_log_write(ECT_LOG_DEBUG, __FILE__, __LINE__, __VA_ARGS__)
/* Logs the error's full text at error level, as one line: control
 * characters (a newline, an escape) become '?'. */
void log_error_err(const struct ect_error *err);
