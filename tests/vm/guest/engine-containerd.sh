#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# containerd in the real-kernel guest (1.6 on bookworm, 1.7 on trixie),
# started by systemd, driven with ctr: the runtime shim as ctr's runc binary
# (runc on the systemd cgroup driver, as Kubernetes nodes run it), and
# --device without a memlock limit as the engine's default; then erdma-ctk
# registers the toolkit in containerd's configuration with the memlock
# drop-in (Kubernetes has no ulimit field: CRI containers inherit
# containerd's limit), and a container started by containerd with plain
# --device has unlimited memlock and registers 64 MiB. ctr has no CDI option
# (CDI lives in containerd's CRI plugin).
set -uo pipefail
ENGINE=containerd
# shellcheck source=tests/vm/guest/lib.sh
. /ect/tests/vm/guest/lib.sh
ids=()
cleanup() {
	local id
	for id in "${ids[@]}"; do ctr task kill -s KILL "$id" >/dev/null 2>&1; ctr container rm "$id" >/dev/null 2>&1; done
	systemctl stop containerd.service >/dev/null 2>&1
}
trap cleanup EXIT

WAY=engine
if ! tmo systemctl start containerd.service; then
	row "containerd starts" fail "$(journalctl -u containerd.service -n 30 --no-pager 2>&1)"
	done_testing
	exit 1
fi
row "containerd starts" pass "$(ctr version 2>/dev/null | awk '/^Server:/ { s = 1 } s && /Version:/ { print $2; exit }')"
n=0
# crun_ctr [ctr run options...] -- CMD: a container on the image folder
# (ctr --rootfs sets no PATH), host network, runc's systemd cgroup driver;
# output on stdout.
crun_ctr() {
	local opts=() id
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	n=$((n + 1))
	id=ect-ctr-$$-$n
	ids+=("$id")
	tmo ctr run --rm --net-host --runc-systemd-cgroup --cgroup "system.slice:ect:$id" \
		--env PATH=/usr/bin:/bin "${opts[@]}" --rootfs "$IMG" "$id" /bin/sh -c "$*" 2>&1
}

# --- the runtime shim as runc ------------------------------------------------
WAY=shim
out=$(crun_ctr --runc-binary "$BIN/erdma-container-runtime" --env "ERDMA_VISIBLE_DEVICES=$DEV0" -- "$(full_cmd)")
full_rows "$out"

WAY=cdi
row "CDI" n/a "ctr has no CDI option (CDI lives in containerd's CRI plugin)"

# --- --device, left at the engine's default memlock ----------------------------
WAY=manual
default_rows "$(crun_ctr --device "/dev/infiniband/$U0" --device /dev/infiniband/rdma_cm -- "$(default_cmd)")"

# --- erdma-ctk: the handler, CDI and LimitMEMLOCK=infinity for containerd -------
WAY=ctk
cfg=/etc/containerd/config.toml
cp -a "$cfg" /var/tmp/config.toml.orig
# CDI in containerd starts at 1.7 (trixie); erdma-ctk refuses --cdi on 1.6.
cdi=() cdi_text=""
[ "$GUEST" = bookworm ] || { cdi=(--cdi) cdi_text=" and enable_cdi"; }
if out=$(tmo "$BIN/erdma-ctk" runtime configure --engine containerd "${cdi[@]}" --memlock-dropin \
	--runtime-path "$BIN/erdma-container-runtime" 2>&1); then
	row "erdma-ctk runtime configure --engine containerd ${cdi[*]} --memlock-dropin" pass "$(printf '%s' "$out" | tail -n 1)"
else
	row "erdma-ctk runtime configure --engine containerd ${cdi[*]} --memlock-dropin" fail "$out"
fi
systemctl daemon-reload
tmo systemctl restart containerd.service
lim=$(systemctl show -p LimitMEMLOCK --value containerd.service)
if [ "$lim" = infinity ]; then row "containerd.service LimitMEMLOCK=infinity after daemon-reload and restart" pass
else row "containerd.service LimitMEMLOCK=infinity after daemon-reload and restart" fail "LimitMEMLOCK=$lim"; fi
dump=$(tmo containerd config dump 2>&1)
if printf '%s' "$dump" | grep -q "runtimes.erdma" && printf '%s' "$dump" | grep -q "BinaryName = \"$BIN/erdma-container-runtime\"" &&
	{ [ -z "$cdi_text" ] || printf '%s' "$dump" | grep -q "enable_cdi = true"; }; then
	row "containerd config dump: the erdma handler (BinaryName the shim)$cdi_text" pass
else
	row "containerd config dump: the erdma handler (BinaryName the shim)$cdi_text" fail "$(printf '%s' "$dump" | grep -n 'erdma\|enable_cdi\|imports' | head -10)"
fi
# A container that containerd starts with the nodes only (what a device
# plugin or CDI gives a Kubernetes pod): the limit is containerd's now.
WAY=memlock-dropin
full_rows "$(crun_ctr --device "/dev/infiniband/$U0" --device /dev/infiniband/rdma_cm -- "$(full_cmd)")"
WAY=ctk
out=$(tmo "$BIN/erdma-ctk" runtime unconfigure --engine containerd 2>&1)
st=$?
systemctl daemon-reload
lim=$(systemctl show -p LimitMEMLOCK --value containerd.service)
left=$(ls /etc/containerd/conf.d/99-erdma.toml /etc/systemd/system/containerd.service.d/90-erdma-ctk-memlock.conf 2>/dev/null)
if [ "$st" = 0 ] && cmp -s "$cfg" /var/tmp/config.toml.orig && [ -z "$left" ] && [ "$lim" != infinity ]; then
	row "erdma-ctk runtime unconfigure: config.toml as it was, the drop-ins gone" pass "LimitMEMLOCK=$lim"
else
	row "erdma-ctk runtime unconfigure: config.toml as it was, the drop-ins gone" fail \
		"exit $st: $out; left: $left; LimitMEMLOCK=$lim; $(diff /var/tmp/config.toml.orig "$cfg")"
fi
done_testing
