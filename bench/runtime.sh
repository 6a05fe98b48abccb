#!/usr/bin/env bash
# Benchmark (not a test): what erdma-container-runtime adds to `create`.
#
# For a 4 KiB and a 1 MiB config.json, times `runc create` alone and through
# the shim, with no eRDMA request (parse only) and with a request (select,
# edit, atomic write: config.json is restored before each run, so every run
# pays the full edit). Whole creates vary by a few ms from run to run, so
# the shim's own cost is also timed in isolation: the shim with runtime
# /bin/true against /bin/true alone.
#
# Usage: bench/runtime.sh [RUNS]   (as root; ECT_BUILD names the build dir)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib/fakehost.sh"
. "$top/tests/lib/rootfs.sh"
RUNS=${1:-30}
SHIM=$(ect_bin erdma-container-runtime)
[ "$(id -u)" = 0 ] || { echo "bench/runtime.sh: needs root" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "bench/runtime.sh: needs hyperfine" >&2; exit 1; }
[ -x "$SHIM" ] || { echo "bench/runtime.sh: build first (make)" >&2; exit 1; }

T=$(mktemp -d /tmp/ect-bench-rt.XXXXXX)
ID=ect-bench-$$
cleanup() {
	runc --root "$T/state" delete -f "$ID" >/dev/null 2>&1 || true
	umount "$T/tmpfs" 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT

fakehost_standard "$T/host"
printf '{"sysfs-root":"%s","dev-root":"%s","memlock":8388608}\n' "$T/host/sys" "$T/host/dev" >"$T/erdma.json"
printf '{"sysfs-root":"%s","dev-root":"%s","memlock":8388608,"runtime":"/bin/true"}\n' \
	"$T/host/sys" "$T/host/dev" >"$T/erdma-true.json"
make_rootfs "$T/rootfs"
(cd "$T" && runc spec)

# make_config SIZE REQUEST OUT: runc's spec padded with annotations to SIZE
# bytes, with ERDMA_VISIBLE_DEVICES=erdma_0 when REQUEST is 1.
make_config() {
	python3 - "$T/config.json" "$T/rootfs" "$1" "$2" "$3" <<'PY'
import json, sys
src, rootfs, size, req, out = sys.argv[1:]
c = json.load(open(src))
c["root"] = {"path": rootfs, "readonly": True}
c["process"]["terminal"] = False
c["process"]["args"] = ["true"]
if req == "1":
    c["process"]["env"].append("ERDMA_VISIBLE_DEVICES=erdma_0")
c["annotations"] = {}
i = 0
while len(json.dumps(c)) < int(size):
    c["annotations"]["bench.example.com/pad%05d" % i] = "x" * 200
    i += 1
s = json.dumps(c)
# trim the last annotation so the file is about SIZE bytes
open(out, "w").write(s)
PY
}

results=()
bench() { # NAME BUNDLE CMD...
	local name=$1 bundle=$2
	shift 2
	hyperfine -N --style none --warmup 3 --runs "$RUNS" \
		--prepare "sh -c 'cp $bundle/config.json.orig $bundle/config.json; runc --root $T/state delete -f $ID >/dev/null 2>&1 || true'" \
		--export-json "$T/$name.json" "$*" >/dev/null
	results+=("$name")
}

for size in 4096 1048576; do
	for req in 0 1; do
		b=$T/b-$size-$req
		mkdir -p "$b"
		make_config "$size" "$req" "$b/config.json.orig"
		cp "$b/config.json.orig" "$b/config.json"
	done
	bench "runc-$size" "$T/b-$size-0" runc --root "$T/state" create --bundle "$T/b-$size-0" "$ID"
	bench "shim-norequest-$size" "$T/b-$size-0" env ERDMA_CONFIG="$T/erdma.json" \
		"$SHIM" --root "$T/state" create --bundle "$T/b-$size-0" "$ID"
	bench "shim-request-$size" "$T/b-$size-1" env ERDMA_CONFIG="$T/erdma.json" \
		"$SHIM" --root "$T/state" create --bundle "$T/b-$size-1" "$ID"
	bench "true-$size" "$T/b-$size-1" env ERDMA_CONFIG=x /bin/true create --bundle "$T/b-$size-1" "$ID"
	bench "shimonly-norequest-$size" "$T/b-$size-0" env ERDMA_CONFIG="$T/erdma-true.json" \
		"$SHIM" create --bundle "$T/b-$size-0" "$ID"
	bench "shimonly-request-$size" "$T/b-$size-1" env ERDMA_CONFIG="$T/erdma-true.json" \
		"$SHIM" create --bundle "$T/b-$size-1" "$ID"
	# Engines keep bundles under /run, a tmpfs on most hosts (not on this
	# VM): there the atomic write's two fsyncs cost nothing.
	mkdir -p "$T/tmpfs"
	mountpoint -q "$T/tmpfs" || mount -t tmpfs -o size=64m tmpfs "$T/tmpfs"
	cp -a "$T/b-$size-1" "$T/tmpfs/"
	bench "shimonly-request-tmpfs-$size" "$T/tmpfs/b-$size-1" env ERDMA_CONFIG="$T/erdma-true.json" \
		"$SHIM" create --bundle "$T/tmpfs/b-$size-1" "$ID"
done
bench "true-state" "$T/b-4096-0" env ERDMA_CONFIG=x /bin/true state "$ID"
bench "shimonly-state" "$T/b-4096-0" env ERDMA_CONFIG="$T/erdma-true.json" "$SHIM" state "$ID"

python3 - "$T" "$RUNS" "$(nproc)" <<'PY'
import json, sys
T, runs, cpus = sys.argv[1], sys.argv[2], sys.argv[3]
def m(name):
    r = json.load(open(f"{T}/{name}.json"))["results"][0]
    return r["mean"] * 1000, r["stddev"] * 1000
print(f"erdma-container-runtime: create, mean ± stddev of {runs} runs, {cpus} CPUs")
print()
print("| config.json | runc create | via shim, no request | via shim, erdma_0 | shim alone, no request | shim alone, erdma_0 | same, bundle on tmpfs |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for size, label in ((4096, "4 KiB"), (1048576, "1 MiB")):
    rc = m(f"runc-{size}"); n = m(f"shim-norequest-{size}"); q = m(f"shim-request-{size}")
    t = m(f"true-{size}"); on = m(f"shimonly-norequest-{size}"); oq = m(f"shimonly-request-{size}")
    ot = m(f"shimonly-request-tmpfs-{size}")
    f = lambda v: f"{v[0]:.2f} ± {v[1]:.2f} ms"
    print(f"| {label} | {f(rc)} | {f(n)} | {f(q)} | +{on[0]-t[0]:.2f} ms | +{oq[0]-t[0]:.2f} ms | +{ot[0]-t[0]:.2f} ms |")
t = m("true-state"); s = m("shimonly-state")
print()
print(f"pass-through (`state`): shim alone +{s[0]-t[0]:.2f} ms over exec of the runtime")
print("'shim alone' = the shim with runtime /bin/true minus /bin/true alone: its own cost,")
print("free of the run-to-run noise of a whole runc create (the request column includes the atomic write).")
PY
