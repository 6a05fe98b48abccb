#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark: erdma-hook builds against each other, precisely enough to see
# a change of 20 us. bench/hook.sh times the hook under runc, where two runs
# of 100 differ by 0.05-0.1x (100-200 us) on the 2-core VM; this one leaves
# runc out and runs the hook as runc would (a state on stdin, the entry's
# env, `--config FILE prestart`), from a small C driver that forks, execs
# and waits, thousands of times, the builds in turn (the order rotating each
# round), and takes the median of the paired differences: load from
# elsewhere hits both sides of each pair alike. Two runs of the same binary
# agree within about 10 us at 2,000 rounds.
#
# One 8-device fake host and one target process (a mount namespace of its
# own with a tmpfs on the rootfs's /dev, a v1 device cgroup of its own), as
# bench/hook-count.sh uses; the nodes a run made are removed before the
# next. A no-op static program runs in the same rounds, for scale. Each
# binary starts out of the page cache (hook_uncache), as after a boot: a
# copy made just before would otherwise run up to about 75 us faster.
#
# Usage: bench/hook-ab.sh [ROUNDS] [BIN...]   (root; ROUNDS 1000; the BINs
# default to ECT_BUILD's erdma-hook; HOOK_BASELINE=PATH adds that build)
# VARIANTS="none one eight" (the default) names the requests: none, the
# annotation erdma_0, the annotation all.
# shellcheck disable=SC2016 # sh -c programs: single quotes on purpose
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" = 0 ] || { echo "bench/hook-ab.sh: needs root" >&2; exit 1; }
devcg=/sys/fs/cgroup/devices
[ -e "$devcg/devices.allow" ] || { echo "bench/hook-ab.sh: needs the v1 devices hierarchy at $devcg, skipped"; exit 0; }
. "$top/tests/lib/e2e.sh"
. "$top/tests/lib/hook.sh"
ROUNDS=1000
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then
	ROUNDS=$1
	shift
fi
[ "$ROUNDS" -gt 0 ] || { echo "bench/hook-ab.sh: ROUNDS must be at least 1" >&2; exit 1; }
hook_init
for n in 2 3 4 5 6 7; do fakehost_add_device "$HOST" "$n" "erdma_$n"; done
bins=("$@")
[ ${#bins[@]} -gt 0 ] || bins=("$HOOK")
[ -z "${HOOK_BASELINE:-}" ] || bins+=("$HOOK_BASELINE")

cat >"$T/ab.c" <<'C'
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ab STATE CONFIG DEVDIR ROUNDS BIN...: per BIN, the median wall and CPU
 * time of a run (us) and the median of its differences to the first BIN's
 * run of the same round. */
static long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000L + t.tv_nsec;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return x < y ? -1 : x > y;
}

static long median(const long *v, int n)
{
	long *c = malloc(sizeof *c * (size_t)n), m;
	memcpy(c, v, sizeof *c * (size_t)n);
	qsort(c, (size_t)n, sizeof *c, cmp_long);
	m = c[n / 2];
	free(c);
	return m;
}

/* The nodes the last run made in DEVDIR/infiniband. */
static void clean(const char *devdir)
{
	char p[4096];
	struct dirent *e;
	DIR *d;

	snprintf(p, sizeof p, "%s/infiniband", devdir);
	if (!(d = opendir(p)))
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	rmdir(p);
}

int main(int argc, char **argv)
{
	char *env[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};
	int rounds, nb, fails = 0;
	long *wall, *cpu, *d;

	if (argc < 6)
		return 2;
	rounds = atoi(argv[4]);
	nb = argc - 5;
	wall = calloc((size_t)rounds * nb, sizeof *wall);
	cpu = calloc((size_t)rounds * nb, sizeof *cpu);
	d = calloc((size_t)rounds, sizeof *d);
	for (int i = 0; i < rounds; i++)
		for (int k = 0; k < nb; k++) {
			int j = (k + i) % nb, st;
			char *args[] = {argv[5 + j], "--config", argv[2], "prestart", NULL};
			struct rusage ru;
			long t0;
			pid_t p;

			clean(argv[3]);
			t0 = now_ns();
			p = fork();
			if (p == 0) {
				int fd = open(argv[1], O_RDONLY);
				if (fd < 0 || dup2(fd, 0) < 0)
					_exit(126);
				execve(args[0], args, env);
				_exit(127);
			}
			if (p < 0 || wait4(p, &st, 0, &ru) < 0)
				return 1;
			wall[j * rounds + i] = (now_ns() - t0) / 1000;
			cpu[j * rounds + i] = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000L +
					      ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
			fails += !WIFEXITED(st) || WEXITSTATUS(st) != 0;
		}
	clean(argv[3]);
	for (int j = 0; j < nb; j++) {
		long dw, dc;
		for (int i = 0; i < rounds; i++)
			d[i] = wall[j * rounds + i] - wall[i];
		dw = median(d, rounds);
		for (int i = 0; i < rounds; i++)
			d[i] = cpu[j * rounds + i] - cpu[i];
		dc = median(d, rounds);
		printf("%ld %ld %ld %ld\n", median(wall + j * rounds, rounds),
		       median(cpu + j * rounds, rounds), dw, dc);
	}
	if (fails)
		fprintf(stderr, "ab: %d runs failed\n", fails);
	return fails ? 1 : 0;
}
C
echo 'int main(void) { return 0; }' >"$T/noop.c"
cc -O2 -Wall -Werror -o "$T/ab" "$T/ab.c"
cc -O2 -static -o "$T/noop" "$T/noop.c"
# Every binary read from disk by its own first exec (tests/lib/hook.sh).
hook_uncache "${bins[@]}" "$T/noop"

CG=$devcg/ect-ab.$$
e2e_on_exit "hook_target_gone $CG"

echo "erdma-hook A/B: 8-device fake host, fork/exec/wait without runc, $ROUNDS rounds, medians (us)"
printf '%-8s %-40s %7s %7s %16s\n' request binary wall CPU "vs first (wall)"
for v in ${VARIANTS:-none one eight}; do
	case $v in
	none) ann="" ;;
	one) ann=erdma_0 ;;
	eight) ann=all ;;
	*) echo "bench/hook-ab.sh: unknown variant '$v'" >&2; exit 1 ;;
	esac
	b=$T/b-$v
	hook_bundle "$b"
	[ -z "$ann" ] || bundle_annotate "$b" "$ann"
	hook_target "$b" "$CG"
	printf '{"ociVersion":"1.0.2","id":"ab-%s","status":"created","pid":%d,"bundle":"%s"}' "$v" "$TARGET_PID" "$b" >"$T/state-$v.json"
	"$T/ab" "$T/state-$v.json" "$HCFG" "/proc/$TARGET_PID/root/dev" "$ROUNDS" "${bins[@]}" "$T/noop" >"$T/out-$v"
	hook_target_gone "$CG"
	k=0
	noop_wall=$(tail -1 "$T/out-$v" | cut -d' ' -f1)
	while read -r w c dw _; do
		name="no-op static program"
		[ $k -ge ${#bins[@]} ] || name=${bins[$k]}
		[ ${#name} -le 40 ] || name="...${name: -37}"
		ratio=$(awk -v a="$w" -v b="$noop_wall" 'BEGIN { printf "%.2f", a / b }')
		printf '%-8s %-40s %7d %7d %+16d  %sx no-op\n' "$v" "$name" "$w" "$c" "$dw" "$ratio"
		k=$((k + 1))
	done <"$T/out-$v"
done
