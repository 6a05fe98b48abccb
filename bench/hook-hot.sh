#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Writes hook/hot.ld: the linker script that puts the code one erdma-hook run
# executes next to each other, ahead of the rest of the static binary.
#
# Why: the hook is a static binary of about 1 MiB of code (glibc, yajl,
# libdbus and ours), and a run executes a few hundred functions
# spread all over it. Each first touch of a part of the code not yet mapped
# is a page fault (the kernel maps the page and its neighbours in the page
# cache); on the 2-core VM these are about 10 us each, and an 8-device run
# took 17 of them. With the code a run executes in one run of about 300 KiB
# it takes 5, and a run is about 0.15 ms shorter (docs/PERFORMANCE.md).
#
# How: bench/hook-count.sh runs the hook under callgrind (no request, 1 and
# 8 devices) and lists the functions executed; the link map of the build
# ($ECT_BUILD/erdma-hook.map) says which input section (object file, or
# archive member, and section) holds each. The script lists those sections,
# plus:
#  - every member that defines a function hook.o, rootfs.o or sandbox.o
#    calls (what runs after the seccomp filter, where valgrind cannot
#    follow: mknodat, fchownat, ...);
#  - the start-up objects (crt1.o's _start, which callgrind does not name,
#    and crtbeginS.o's frame_dummy, which .init_array calls: measured, it
#    cost a fault of its own where the hot run's end moved away from it)
#    and what glibc's start-up does for the vDSO (its link map, under a
#    lock, and the lookup of its symbols), which valgrind does not give a
#    program;
#  - all variants of a glibc string function of which one ran: glibc picks
#    the variant for the CPU at start-up (sse2, avx2, evex, ...), and
#    valgrind's CPU is not the one the hook runs on.
# Our own objects are named whole, so a function added to them is in the
# hot run without a new list; a pattern that matches nothing (another glibc)
# is ignored by the linker. Regenerate after changes that call new library
# code: `make && bench/hook-hot.sh && make`.
#
# Usage: bench/hook-hot.sh   (root; needs valgrind, strace, python3;
# ECT_BUILD names the build dir)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${ECT_BUILD:-$top/build}
[ "$(id -u)" = 0 ] || { echo "bench/hook-hot.sh: needs root" >&2; exit 1; }
for b in valgrind strace python3 nm; do
	command -v "$b" >/dev/null || { echo "bench/hook-hot.sh: needs $b" >&2; exit 1; }
done
map=$BUILD/erdma-hook.map
[ -e "$map" ] || { echo "bench/hook-hot.sh: no $map: build the static hook first (make)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: >"$tmp/funcs"
HOT_FUNCS=$tmp/funcs ECT_BUILD=$BUILD "$top/bench/hook-count.sh" >/dev/null
[ -s "$tmp/funcs" ] || { echo "bench/hook-hot.sh: callgrind listed no function" >&2; exit 1; }
nm "$BUILD/erdma-hook" >"$tmp/nm"
nm -u "$BUILD/hook/hook.o" "$BUILD/lib/rootfs.o" "$BUILD/lib/sandbox.o" >"$tmp/calls"

python3 - "$map" "$tmp/nm" "$tmp/funcs" "$tmp/calls" >"$tmp/hot.ld" <<'PY'
import bisect, re, sys

mapfile, nmfile, funcsfile, callsfile = sys.argv[1:]

# Input sections of the code output sections, from the link map: a line
# " .text.x  0xADDR  0xSIZE  FILE", or the name alone with the rest on the
# next line when the name is long.
code_out = {".text", ".text.ect_hot"}
secs = []
out = None
lines = open(mapfile).read().split("\n")
i = 0
while i < len(lines):
    line = lines[i]
    m = re.match(r"^(\.\S+)\s", line + " ")
    if m and not line.startswith(" "):
        out = m.group(1)
    m = re.match(r"^ (\.text\S*)(?:\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(\S.*))?$", line)
    if out in code_out and m:
        name, addr, size, obj = m.groups()
        if addr is None and i + 1 < len(lines):
            m2 = re.match(r"^\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(\S.*)$", lines[i + 1])
            if m2:
                addr, size, obj = m2.groups()
                i += 1
        if addr and int(size, 16) > 0:
            secs.append((int(addr, 16), int(size, 16), name, obj.strip()))
    i += 1
secs.sort()
starts = [s[0] for s in secs]

def section_of(addr):
    k = bisect.bisect_right(starts, addr) - 1
    if k >= 0 and addr < secs[k][0] + secs[k][1]:
        return k
    return None

addrs = {}
for line in open(nmfile):
    p = line.split()
    if len(p) == 3 and p[1] in "tTiWw":
        addrs.setdefault(p[2], []).append(int(p[0], 16))

wanted = set()
for line in open(funcsfile):
    # "name'2" is callgrind's second recursion level of name
    wanted.add(line.strip().split("'")[0])
# glibc's start-up registers the vDSO (setup_vdso): not run under valgrind.
wanted.update(["_dl_new_object", "_dl_add_to_namespace_list", "_dl_setup_hash",
               "_dl_lookup_symbol_x", "__pthread_mutex_lock", "__pthread_mutex_unlock"])
for line in open(callsfile):
    p = line.split()
    if p and p[0] == "U":
        wanted.add(p[-1])

hot = set()
for name in wanted:
    for a in addrs.get(name, []):
        k = section_of(a)
        if k is not None:
            hot.add(k)

# glibc's multiarch members are FUNC-VARIANT.o (strlen-evex.o,
# memmove-avx-unaligned-erms.o): one that ran stands for its whole family.
isa = re.compile(r"^([a-z0-9_]+?)-(sse2|ssse3|sse4|avx|avx2|evex|avx512|erms|rtm)")

def pattern(obj, sec):
    m = re.match(r"^(?:.*/)?([^/(]+\.a)\((.+)\)$", obj)
    if not m:
        return "*%s(%s)" % (obj.split("/")[-1], sec)
    lib, member = m.groups()
    f = isa.match(member)
    if lib == "libc.a" and f:
        return "*libc.a:%s-*.o(.text .text.*)" % f.group(1)
    return "*%s:%s(%s)" % (lib, member, sec)

pats = ["*crt1.o(.text)", "*crtbeginS.o(.text)"]
for k in sorted(hot):
    p = pattern(secs[k][3], secs[k][2])
    if p not in pats:
        pats.append(p)

print("/* SPDX-License-Identifier: Apache-2.0 */")
print("/* Generated by bench/hook-hot.sh: do not edit. The code one erdma-hook run")
print(" * executes, ahead of the rest (%d input sections, %d KiB in the build" % (len(hot), sum(secs[k][1] for k in hot) // 1024))
print(" * it was made from), so that a run maps it in fewer page faults. A pattern")
print(" * that matches nothing is ignored. */")
print("SECTIONS")
print("{")
print("  .text.ect_hot :")
print("  {")
for p in pats:
    print("    " + p)
print("  }")
print("}")
print("INSERT BEFORE .text;")
PY
mv "$tmp/hot.ld" "$top/hook/hot.ld"
echo "bench/hook-hot.sh: wrote hook/hot.ld ($(grep -c '^    \*' "$top/hook/hot.ld") patterns); rebuild with make"
