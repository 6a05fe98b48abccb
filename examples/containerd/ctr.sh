#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# containerd without CRI: ctr runs the shim as its runc binary.
exec ctr run --rm --runc-binary /usr/local/bin/erdma-container-runtime \
	--env ERDMA_VISIBLE_DEVICES=all docker.io/library/busybox:latest erdma-test \
	sh -c 'ls -l /dev/infiniband; ulimit -l'
