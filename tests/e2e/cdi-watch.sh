#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# erdma-cdi generate --watch on a fake host: the spec follows devices that
# are added and removed within a second, is removed while no device is left
# and comes back, is rewritten only when its text changes, survives a broken
# sysfs, turns a burst of 20 new devices into a few rewrites, is never seen
# half-written by a reader, and SIGTERM/SIGINT end the watcher with status 0
# and no temporary file.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/e2e.sh"

need_root # mknod
need_built erdma-cdi
CDI=$(ect_bin erdma-cdi)
PY=/usr/bin/python3 # Debian's, with python3-yaml and python3-jsonschema
SCHEMA=$(ect_shared)/cdi-schema
VALIDATE="$here/../lib/cdi_validate.py"

e2e_tmpdir ect-e2e-cdi-watch
pids=()
# The watchers still running at exit (stopped by pid).
stop_watchers() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
e2e_on_exit stop_watchers

fakehost_standard "$T/host"
SYS=$T/host/sys
DEV=$T/host/dev
mkdir "$T/out"
SPEC=$T/out/erdma.yaml
LOG=$T/watch.log

# The names in the spec, comma-separated; empty when there is no file.
names() { sed -n 's/^- name: //p' "${1:-$SPEC}" 2>/dev/null | paste -sd, -; } # [FILE]
inode() { stat -c %i "$SPEC" 2>/dev/null || echo none; }
writes() { grep -c ': wrote ' "$LOG" || true; }
# until MS COMMAND...: polls every 50 ms for up to MS; sets $took (ms).
until_ms() {
	local limit=$1 start now
	shift
	start=$(date +%s%N)
	while :; do
		now=$(date +%s%N)
		took=$(((now - start) / 1000000))
		if "$@"; then return 0; fi
		[ "$took" -lt "$limit" ] || return 1
		sleep 0.05
	done
}
has_names() { [ "$(names "$SPEC")" = "$1" ]; }
no_spec() { [ ! -e "$SPEC" ]; }
valid() { "$PY" "$VALIDATE" "$SCHEMA" "$SPEC" >/dev/null; }
# The kernel removes the sysfs entries first, then devtmpfs the node.
remove_device() {
	local d=$1 n=$2 ibdev=$3
	rm -f "$d/sys/class/infiniband_verbs/uverbs$n" "$d/sys/class/infiniband/$ibdev"
	rm -rf "$d/sys/devices/pci0000:00/$(printf '0000:00:%02x.0' $((n + 5)))"
	rm -f "$d/dev/infiniband/uverbs$n"
}
no_tmp() { ! compgen -G "$T/out/*.tmp.*" >/dev/null; }

# ---- usage ----
st=0; "$CDI" generate --watch --sysfs-root "$SYS" --dev-root "$DEV" 2>"$T/err" || st=$?
check_eq "--watch without --output: usage error" 2 "$st"
check_contains "  ... says it needs --output" "$(cat "$T/err")" "--watch needs --output FILE"
st=0; "$CDI" generate --watch --output - --sysfs-root "$SYS" 2>/dev/null || st=$?
check_eq "--watch --output -: usage error" 2 "$st"
st=0; "$CDI" list --watch 2>/dev/null || st=$?
check_eq "list --watch: usage error" 2 "$st"

st=0; "$CDI" generate --watch --output "$T/no/dir/erdma.yaml" --sysfs-root "$SYS" --dev-root "$DEV" 2>"$T/err" || st=$?
check_eq "--watch, first spec cannot be written: exit status 1" 1 "$st"
check_contains "  ... says why" "$(cat "$T/err")" "cannot write the spec: create '$T/no/dir/erdma.yaml.tmp."
st=0; "$CDI" generate --watch --output "$T/out/x.yaml" --sysfs-root "$SYS" --dev-root "$T/nodev" 2>"$T/err" || st=$?
check_eq "--watch, dev root missing: exit status 1" 1 "$st"
check_contains "  ... says why" "$(cat "$T/err")" "inotify watch '$T/nodev'"

# The output's directory is made when only its last component is missing
# (nothing makes /run/cdi on a fresh boot).
"$CDI" generate --watch --output "$T/newdir/erdma.yaml" --sysfs-root "$SYS" --dev-root "$DEV" 2>"$T/err" &
p=$!
pids+=("$p")
if until_ms 3000 test -s "$T/newdir/erdma.yaml"; then ok "missing output directory made, spec written"; else not_ok "missing output directory made, spec written"; diag "$(cat "$T/err")"; fi
check_eq "  ... mode 0755" 755 "$(stat -c %a "$T/newdir" 2>/dev/null)"
kill "$p"; wait "$p" || true

# ---- start, with a reader that parses the file all along ----
cat >"$T/reader.py" <<'EOF'
import os, sys, time, yaml
path, stop = sys.argv[1], sys.argv[2]
ok = bad = missing = 0
while not os.path.exists(stop):
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        missing += 1
        time.sleep(0.002)
        continue
    try:
        d = yaml.safe_load(text)
        names = [x["name"] for x in d["devices"]]
        assert d["kind"] == "aliyun.com/erdma" and d["cdiVersion"]
        assert len(names) >= 2 and names[-1] == "all"
        assert d["containerEdits"]["deviceNodes"][0]["path"] == "/dev/infiniband/rdma_cm"
        ok += 1
    except Exception as e:
        bad += 1
        print("bad read: %r: %r" % (e, text[:120]), file=sys.stderr)
    time.sleep(0.002)
print(ok, bad, missing)
EOF
"$PY" "$T/reader.py" "$SPEC" "$T/stop" >"$T/reader.out" 2>"$T/reader.err" &
reader=$!
pids+=("$reader")

"$CDI" generate --watch --output "$SPEC" --sysfs-root "$SYS" --dev-root "$DEV" 2>"$LOG" &
W=$!
pids+=("$W")
if until_ms 3000 has_names erdma_0,erdma_1,all; then ok "first spec written at start"; else not_ok "first spec written at start"; fi
check "  ... valid (CDI schema, names, version)" valid
check_contains "  ... logged" "$(cat "$LOG")" "watching $DEV/infiniband for device changes"

# Idle: asleep in poll() without a timeout (no timer, no busy loop).
sleep 0.3
sc=$(cat "/proc/$W/syscall" 2>/dev/null || true)
read -r nr _ _ a3 _ <<<"$sc"
case "$nr:$a3" in
7:0xffffffff | 7:0xffffffffffffffff | 271:0x0) ok "idle: blocked in poll with no timeout" ;;
*) not_ok "idle: blocked in poll with no timeout"; diag "/proc/$W/syscall: $sc" ;;
esac

# ---- add, remove ----
fakehost_add_device "$T/host" 2 erdma_2
if until_ms 1000 has_names erdma_0,erdma_1,erdma_2,all; then
	ok "added device in the spec within 1 s (${took} ms)"
else
	not_ok "added device in the spec within 1 s"; diag "names: $(names "$SPEC")"
fi
check "  ... valid" valid

remove_device "$T/host" 1 erdma_1
if until_ms 1000 has_names erdma_0,erdma_2,all; then
	ok "removed device gone from the spec within 1 s (${took} ms)"
else
	not_ok "removed device gone from the spec within 1 s"; diag "names: $(names "$SPEC")"
fi

# The fake sysfs delivers inotify events (the kernel's does not): a device
# whose node is not there yet is seen through the verbs class directory.
fakehost_add_device "$T/host" 3 erdma_3 mknod=0
if until_ms 1000 has_names erdma_0,erdma_2,erdma_3,all; then
	ok "a sysfs class entry alone is seen (fake sysfs) (${took} ms)"
else
	not_ok "a sysfs class entry alone is seen (fake sysfs)"; diag "names: $(names "$SPEC")"
fi

# ---- no rewrite when the text does not change ----
sleep 0.7 # let the window of the sysfs change close
ino=$(inode) n=$(writes)
mknod -m 0666 "$DEV/infiniband/uverbs3" c 231 195 # the node arrives: same spec
chmod 0600 "$DEV/infiniband/uverbs0"              # udev changes a mode
sleep 0.7
check_eq "node created / mode changed, same text: file not rewritten (inode)" "$ino" "$(inode)"
check_eq "  ... no write logged" "$n" "$(writes)"

# ---- a broken sysfs: warning, old spec kept, still watching ----
mv "$SYS" "$SYS.away"
chmod 0666 "$DEV/infiniband/uverbs0"
if until_ms 1000 grep -q "left as it was, retrying on the next change" "$LOG"; then
	ok "broken sysfs: warning logged"
else
	not_ok "broken sysfs: warning logged"; diag "$(tail -3 "$LOG")"
fi
check_eq "  ... old spec kept" "$ino:erdma_0,erdma_2,erdma_3,all" "$(inode):$(names "$SPEC")"
check "  ... watcher still running" kill -0 "$W"
mv "$SYS.away" "$SYS"
remove_device "$T/host" 3 erdma_3
if until_ms 1000 has_names erdma_0,erdma_2,all; then
	ok "sysfs back: the next change is followed (${took} ms)"
else
	not_ok "sysfs back: the next change is followed"; diag "names: $(names "$SPEC")"
fi

# ---- no device left: the file goes, and comes back ----
remove_device "$T/host" 0 erdma_0
remove_device "$T/host" 2 erdma_2
if until_ms 1000 no_spec; then
	ok "no device left: spec file removed within 1 s (${took} ms)"
else
	not_ok "no device left: spec file removed within 1 s"; diag "names: $(names "$SPEC")"
fi
check_contains "  ... logged with the reason" "$(cat "$LOG")" "removed $SPEC: no RDMA device matches"
# devtmpfs removes /dev/infiniband once it is empty, and makes it again
# with the next node: the watch moves to the dev root and back.
rm -f "$DEV/infiniband/rdma_cm"
rmdir "$DEV/infiniband"
sleep 0.3
check "  ... still no file, watcher running" bash -c "[ ! -e '$SPEC' ] && kill -0 $W"
mkdir "$DEV/infiniband"
fakehost_add_rdma_cm "$T/host"
fakehost_add_device "$T/host" 0 erdma_0
if until_ms 1000 has_names erdma_0,all; then
	ok "infiniband/ recreated, a device back: spec back within 1 s (${took} ms)"
else
	not_ok "infiniband/ recreated, a device back: spec back within 1 s"; diag "names: $(names "$SPEC")"
fi
check "  ... valid" valid

# ---- a burst of 20 devices: a few rewrites, not 20 ----
# Prepared aside, then the sysfs entries and the nodes appear at once, as
# when the kernel and udev add several devices.
fakehost_init "$T/stage"
want=erdma_0
for n in $(seq 10 29); do
	fakehost_add_device "$T/stage" "$n" "erdma_$n" mknod=0
	want="$want,erdma_$n"
done
want="$want,all"
sleep 0.7
n=$(writes) ino=$(inode)
cp -a "$T/stage/sys/." "$SYS/"
for i in $(seq 10 29); do mknod -m 0666 "$DEV/infiniband/uverbs$i" c 231 $((192 + i)); done
if until_ms 1000 has_names "$want"; then
	ok "burst of 20 devices: all in the spec within 1 s (${took} ms)"
else
	not_ok "burst of 20 devices: all in the spec within 1 s"; diag "names: $(names "$SPEC")"
fi
sleep 0.7
burst=$(($(writes) - n))
diag "burst of 20 devices (20 sysfs links + 20 nodes): $burst rewrite(s)"
if [ "$burst" -ge 1 ] && [ "$burst" -le 3 ]; then ok "  ... debounced: 1 to 3 rewrites"; else not_ok "  ... debounced: 1 to 3 rewrites ($burst)"; fi
check "  ... valid" valid

# ---- the reader never saw a partial file ----
touch "$T/stop"
wait "$reader" || true
read -r r_ok r_bad r_missing <"$T/reader.out" || true
diag "reader: ${r_ok:-?} complete reads, ${r_bad:-?} bad, ${r_missing:-?} while no file"
check_eq "reader never saw a partial or invalid spec" 0 "${r_bad:-x}"
check "  ... and did read it (>= 50 reads) and saw the no-file period" \
	bash -c "[ '${r_ok:-0}' -ge 50 ] && [ '${r_missing:-0}' -ge 1 ]"
[ -s "$T/reader.err" ] && diag "$(head -3 "$T/reader.err")"

# ---- SIGTERM ----
kill -TERM "$W"
st=0; wait "$W" || st=$?
check_eq "SIGTERM: exit status 0" 0 "$st"
check "  ... no temporary file left" no_tmp
check "  ... spec left in place" has_names "$want"
check_contains "  ... logged" "$(tail -1 "$LOG")" "stopping"

# ---- a restart leaves an up-to-date file alone ----
ino=$(inode)
"$CDI" generate --watch --output "$SPEC" --sysfs-root "$SYS" --dev-root "$DEV" 2>"$LOG" &
W=$!
pids+=("$W")
until_ms 3000 grep -q "watching" "$LOG" || true
check_eq "restart with an up-to-date spec: not rewritten" "$ino:0" "$(inode):$(writes)"
# SIGHUP makes the spec again: a file removed behind the watcher's back
# comes back.
rm -f "$SPEC"
kill -HUP "$W"
if until_ms 1000 has_names "$want"; then ok "SIGHUP: spec made again (${took} ms)"; else not_ok "SIGHUP: spec made again"; fi
# SIGTERM while a change is pending (inside the debounce window).
remove_device "$T/host" 29 erdma_29
sleep 0.05
kill -TERM "$W"
st=0; wait "$W" || st=$?
check_eq "SIGTERM during a debounce window: exit status 0" 0 "$st"
check "  ... no temporary file left" no_tmp
check "  ... spec still complete" valid

# ---- starting before the dev root has infiniband/ ----
fakehost_init "$T/late"
rmdir "$T/late/dev/infiniband"
SPEC=$T/out/late.yaml
"$CDI" generate --watch --output "$SPEC" --sysfs-root "$T/late/sys" --dev-root "$T/late/dev" 2>"$LOG" &
W=$!
pids+=("$W")
until_ms 3000 grep -q "watching" "$LOG" || true
check_contains "no device at start: watcher waits for infiniband/" "$(cat "$LOG")" "infiniband (to appear)"
check "  ... no spec file, watcher running" bash -c "[ ! -e '$SPEC' ] && kill -0 $W"
mkdir "$T/late/dev/infiniband"
fakehost_add_rdma_cm "$T/late"
fakehost_add_device "$T/late" 0 erdma_0
if until_ms 1000 has_names erdma_0,all; then
	ok "first device after start: spec appears within 1 s (${took} ms)"
else
	not_ok "first device after start: spec appears within 1 s"; diag "$(cat "$LOG")"
fi
kill -INT "$W"
st=0; wait "$W" || st=$?
check_eq "SIGINT: exit status 0" 0 "$st"
check "  ... no temporary file left" no_tmp

done_testing
