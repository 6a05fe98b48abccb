# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
# Shared by the guest's test scripts (tests/vm/guest/*.sh), which run as root
# under systemd in the real-kernel guest. TAP on stdout (tests/lib/tap.sh),
# and one row per outcome in $RESULTS/results.tsv for the table the host
# prints: guest, engine, way in, check, pass|fail|skip, detail.
#
# The environment comes from main.sh: GUEST (bookworm|trixie), BIN (where
# our programs are), IMG (the test image's root folder), IMG_TAR (the same as
# a tarball), RESULTS, DEV0/DEV1 (rxe0/rxe1), their uverbs nodes and
# major:minor (U0, U1, U0_MM, U1_MM), CM_MM (rdma_cm), ADDR0 (rxe0's IPv4).
# shellcheck source=../../lib/tap.sh
. /ect/tests/lib/tap.sh

ENGINE=${ENGINE:-?}
WAY=${WAY:-?}
# How long one container may take; TCG runs are slow, a hang must not be.
CT_TIMEOUT=${CT_TIMEOUT:-240}

# row CHECK STATUS [DETAIL]: a table row, and a TAP point. STATUS n/a is a
# way in that this engine does not have (Docker 20.10 and CDI): a table cell
# with the reason, no test point.
row() {
	local check=$1 st=$2 detail=${3:-}
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$GUEST" "$ENGINE" "$WAY" "$check" "$st" \
		"$(printf '%s' "$detail" | tr '\t\n' '  ' | cut -c1-300)" >>"$RESULTS/results.tsv"
	case $st in
	pass) ok "$GUEST $ENGINE $WAY: $check${detail:+ ($detail)}" ;;
	skip) ok_skip "$GUEST $ENGINE $WAY: $check" "$detail" ;;
	n/a) diag "$GUEST $ENGINE $WAY: $check: not applicable: $detail" ;;
	*)
		not_ok "$GUEST $ENGINE $WAY: $check"
		[ -z "$detail" ] || printf '%s\n' "$detail" | head -n 30 | sed 's/^/#   /'
		;;
	esac
}

# The probe's checks that must pass in every container that got rxe0.
PROBE_CHECKS="nodes access sysfs verbs rdma_cm memlock netns"

# probe_rows JSON EXIT: one row per check of the probe's JSON report plus its
# exit status; every check in PROBE_CHECKS must say pass.
probe_rows() {
	local json=$1 st=$2 c s d
	if [ -z "$json" ] || ! printf '%s' "$json" | jq -e '.checks | length > 0' >/dev/null 2>&1; then
		row "probe" fail "no JSON report (exit $st): $json"
		return
	fi
	for c in $PROBE_CHECKS; do
		s=$(printf '%s' "$json" | jq -r --arg c "$c" '.checks[] | select(.name == $c) | .status')
		d=$(printf '%s' "$json" | jq -r --arg c "$c" '.checks[] | select(.name == $c) | .detail')
		if [ "$s" = pass ]; then row "probe $c" pass "$d"; else
			row "probe $c" fail "$s: $d $(printf '%s' "$json" | jq -r --arg c "$c" '.checks[] | select(.name == $c) | .hint')"
		fi
	done
	if [ "$st" = 0 ]; then row "probe exit 0" pass; else row "probe exit 0" fail "exit $st"; fi
}

# probe_memlock_refused JSON: the report of a container left at the engine's
# default RLIMIT_MEMLOCK, probed with --mr-size 64M: the kernel refuses the
# registration (ENOMEM in the verbs check) and the memlock check agrees.
probe_memlock_refused() {
	local json=$1 vs vd ms
	if [ -z "$json" ] || ! printf '%s' "$json" | jq -e '.checks | length > 0' >/dev/null 2>&1; then
		row "64 MiB MR at the engine's default limit: ENOMEM" fail "no JSON report: $json"
		return
	fi
	vs=$(printf '%s' "$json" | jq -r '.checks[] | select(.name == "verbs") | .status')
	vd=$(printf '%s' "$json" | jq -r '.checks[] | select(.name == "verbs") | .detail + " " + .hint')
	ms=$(printf '%s' "$json" | jq -r '.checks[] | select(.name == "memlock") | .status')
	case "$vs:$vd" in
	fail:*ENOMEM* | fail:*"Cannot allocate memory"*) row "64 MiB MR at the engine's default limit: ENOMEM" pass "$vd" ;;
	*) row "64 MiB MR at the engine's default limit: ENOMEM" fail "verbs $vs: $vd" ;;
	esac
	if [ "$ms" = fail ]; then row "probe memlock verdict agrees (fail)" pass
	else row "probe memlock verdict agrees (fail)" fail "memlock check: $ms"; fi
}

# The container command that shows an unselected device is denied: a node of
# rxe1 made inside the container (the engine gave it no allow rule) cannot be
# opened. One line: "eperm: ok", or "eperm: " and what happened instead. The
# container needs CAP_MKNOD (Podman 4+ drops it by default: --cap-add mknod).
eperm_cmd() {
	local maj=${U1_MM%%:*} min=${U1_MM##*:}
	printf '%s' "e=\$( { rm -f /tmp/u1; mknod /tmp/u1 c $maj $min && (exec 3<>/tmp/u1) && echo opened; } 2>&1); case \$e in *'Operation not permitted'*) [ -c /tmp/u1 ] && e=ok;; esac; echo \"eperm: \$e\" | tr '\\n' ' '; echo"
}

# eperm_row OUTPUT: the row for eperm_cmd's output.
eperm_row() {
	local l
	l=$(printf '%s\n' "$1" | grep '^eperm: ')
	case $l in
	"eperm: ok"*) row "unselected rxe1 denied (EPERM)" pass ;;
	*) row "unselected rxe1 denied (EPERM)" fail "${l:-$1}" ;;
	esac
}

# probe_cmd [ARGS]: the command line that runs the probe in the image.
probe_cmd() { printf '/erdma-probe --json --device %s %s' "$DEV0" "$*"; }

# tmo CMD...: CMD bounded by CT_TIMEOUT.
tmo() { timeout --kill-after=10 "$CT_TIMEOUT" "$@"; }

# The container command of a full check: the probe with a 64 MiB MR (the
# limit must really be raised), then the unselected rxe1, then the limit.
full_cmd() {
	printf '%s' "$(probe_cmd --mr-size 64M) >/tmp/p.json; echo probe-exit=\$?; $(eperm_cmd); echo memlock=\$(ulimit -l); echo ---; cat /tmp/p.json"
}

# full_rows OUTPUT: the rows of full_cmd's output.
full_rows() {
	local out=$1
	probe_rows "$(printf '%s\n' "$out" | sed -n '/^---$/,$p' | sed 1d)" \
		"$(printf '%s\n' "$out" | sed -n 's/^probe-exit=//p')"
	eperm_row "$out"
	case $out in
	*memlock=unlimited*) row "ulimit -l unlimited" pass ;;
	*) row "ulimit -l unlimited" fail "$(printf '%s\n' "$out" | grep memlock= || printf '%s' "$out" | tail -n 5)" ;;
	esac
}

# default_rows OUTPUT: a container that got rxe0 but was left at the
# engine's default RLIMIT_MEMLOCK ran default_cmd.
default_rows() {
	local l
	probe_memlock_refused "$(printf '%s\n' "$1" | sed -n '/^---$/,$p' | sed 1d)"
	l=$(printf '%s\n' "$1" | sed -n 's/^memlock=//p')
	if [ -n "$l" ] && [ "$l" != unlimited ] && [ "$l" -lt 65536 ]; then
		row "default memlock below 64 MiB" pass "$l KiB"
	else
		row "default memlock below 64 MiB" fail "ulimit -l: '$l'"
	fi
}
default_cmd() { printf '%s' "$(probe_cmd --mr-size 64M) >/tmp/p.json; echo memlock=\$(ulimit -l); echo ---; cat /tmp/p.json"; }

# traffic NAME SERVER-CMD CLIENT-CMD: RDMA traffic between two containers.
# The engine's script defines srv_start ID CMD (detached), cli_run CMD
# (output on stdout, status kept), srv_wait ID (prints the exit status,
# bounded by tmo), srv_kill ID and srv_logs ID. The server listens once it has started: the client is
# retried until then.
traffic() {
	local name=$1 srv=$2 cli=$3 id st=1 out
	id=ect-srv-$name-$$
	srv_start "$id" "$srv"
	sleep 2
	for _ in 1 2 3 4 5; do
		out=$(cli_run "$cli")
		st=$?
		[ $st = 0 ] && break
		sleep 3
	done
	# A server whose client never came would wait for it: stop it first.
	[ $st = 0 ] || srv_kill "$id"
	if [ $st = 0 ] && [ "$(srv_wait "$id")" = 0 ]; then
		row "traffic: $name" pass "$(printf '%s\n' "$out" | tail -n 2 | tr '\n' ' ')"
	else
		row "traffic: $name" fail "client exit $st: $out // server: $(srv_logs "$id" 2>&1 | tail -n 5)"
	fi
}

# Both traffic tests over rxe0 (RoCE v2 GID index 1, the IPv4-mapped one).
traffic_rows() {
	traffic rping "rping -s -a $ADDR0 -C 3 -v" "rping -c -a $ADDR0 -C 3 -v"
	traffic ib_write_bw "ib_write_bw -d $DEV0 -x 1 -n 50 -s 65536 -F" \
		"ib_write_bw -d $DEV0 -x 1 -n 50 -s 65536 -F $ADDR0"
}

# docker_setup: daemon.json with our runtime shim (and CDI on Docker 25+),
# no bridge and no iptables (every test container uses the host's network;
# the guest has no way out anyway), then dockerd (re)started: on trixie it
# started at boot, before this file was written.
docker_setup() {
	mkdir -p /etc/docker
	cat >/etc/docker/daemon.json <<JSON
{"runtimes": {"erdma": {"path": "$BIN/erdma-container-runtime"}},
 "bridge": "none", "iptables": false, "ip6tables": false$([ "$GUEST" = bookworm ] || echo ', "features": {"cdi": true}')}
JSON
	tmo systemctl restart docker.service
}
