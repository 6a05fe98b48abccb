/* SPDX-License-Identifier: Apache-2.0 */
/* The system calls every sandbox allows, by name as libseccomp knows them
 * (one list for the filter built at build time, hook/gen-filter.c, and for
 * the one tests/unit/test_sandbox.c builds at run time to compare). Plain
 * C: the generator is compiled for the build machine, not for the target. */
#pragma once

/* What any C program needs to finish: write its error, free memory, exit. */
#define ECT_SANDBOX_BASE_CALLS                                                                     \
        "write", "writev", "exit", "exit_group", "brk", "mmap", "munmap", "mremap", "madvise",     \
                "rt_sigreturn", "rt_sigprocmask", "futex", "close", "getpid", "gettid", "tgkill",  \
                "clock_gettime", "fstat", "newfstatat", "lseek"

/* Added in AddressSanitizer builds: LeakSanitizer stops the world at exit
 * with a ptrace'd clone and reads /proc/self/task. A name this
 * architecture does not have (open, readlink, getdents, dup2, getrlimit and
 * arch_prctl on arm64) is left out. */
#define ECT_SANDBOX_LSAN_CALLS                                                                     \
        "clone", "clone3", "ptrace", "wait4", "waitid", "prctl", "sched_yield", "getppid",         \
                "sigaltstack", "rt_sigaction", "mprotect", "sched_getaffinity", "openat", "read",  \
                "pipe2", "dup", "dup3", "prlimit64", "uname", "kill", "nanosleep",                 \
                "clock_nanosleep", "set_robust_list", "getrandom", "getdents64", "statx",          \
                "pread64", "set_tid_address", "msync", "readlinkat", "open", "readlink",           \
                "getdents", "dup2", "getrlimit", "arch_prctl", "rseq"

/* The allow-list as libseccomp's binary tree, not its default chain
 * (SCMP_FLTATR_CTL_OPTIMIZE, libseccomp 2.5; an older one builds the
 * chain). When a filter is loaded the kernel runs it once for every system
 * call number to build its action cache, and each of the ~460 numbers
 * walked the whole chain. Measured here: the hook's filter loads in 90 us
 * instead of 111 us, and each call after it is decided in fewer steps.
 * Same decisions either way (tests/unit/test_sandbox.c). */
#define ECT_SANDBOX_OPTIMIZE 2
