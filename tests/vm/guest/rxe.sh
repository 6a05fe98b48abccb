#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The guest's two soft-RoCE devices: rxe0 on dummy d0 (192.0.2.1/24), rxe1 on
# d1 (198.51.100.1/24); TEST-NET addresses, no way out. Run at boot by
# ect-rxe.service (trixie: ordered before erdma-cdi-generate.service) or by
# main.sh (bookworm). Leaves what exists alone.
set -e
modprobe -a rdma_rxe rdma_ucm ib_uverbs dummy veth
dev() { # N ADDR
	ip link show "d$1" >/dev/null 2>&1 || {
		ip link add "d$1" type dummy
		ip addr add "$2" dev "d$1"
	}
	ip link set "d$1" up
	rdma link show "rxe$1/1" >/dev/null 2>&1 || rdma link add "rxe$1" type rxe netdev "d$1"
}
dev 0 192.0.2.1/24
dev 1 198.51.100.1/24
