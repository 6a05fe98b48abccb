#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the seed corpus of fuzz_cdigen (fuzz/corpus/cdigen/) in its
record format: flag byte, then (kind, path length, path, content length
little endian u16, content) records. See fuzz/fuzz_cdigen.c."""
import os
import struct
import sys

FILE, DIR, LINK, REMOVE = 0, 1, 2, 3
STD, ANY = 1, 2
U0 = "sys/devices/pci0000:00/0000:00:05.0/infiniband_verbs/uverbs0"
IB0 = "sys/devices/pci0000:00/0000:00:05.0/infiniband/erdma_0"
PCI0 = "sys/devices/pci0000:00/0000:00:05.0"


def rec(kind, path, content=b""):
    if isinstance(content, str):
        content = content.encode()
    p = path.encode()
    return bytes([kind, len(p)]) + p + struct.pack("<H", len(content)) + content


SEEDS = {
    "standard": bytes([STD]),
    "standard-any-both": bytes([STD | ANY | 8]),
    "empty": bytes([0]),
    "one-device-by-hand": bytes([ANY]) + b"".join([
        rec(FILE, "sys/class/infiniband_verbs/uverbs3/ibdev", "rxe0\n"),
        rec(FILE, "sys/class/infiniband_verbs/uverbs3/dev", "231:195\n"),
        rec(FILE, "sys/class/misc/rdma_cm/dev", "10:241\n"),
    ]),
    "bad-dev": bytes([STD]) + rec(FILE, U0 + "/dev", "231:99999999999\n"),
    "bad-ibdev": bytes([STD]) + rec(FILE, U0 + "/ibdev", "../../etc\n"),
    "ibdev-dup": bytes([STD]) + rec(FILE, U0 + "/ibdev", "erdma_1\n"),
    "ibdev-all": bytes([STD]) + rec(FILE, U0 + "/ibdev", "all\n"),
    "ibdev-utf8": bytes([STD]) + rec(FILE, U0 + "/ibdev", b"erdma\xff\xfe\n"),
    "no-vendor": bytes([STD]) + rec(REMOVE, PCI0 + "/vendor"),
    "vendor-garbage": bytes([STD]) + rec(FILE, PCI0 + "/vendor", "0x1ded1ded\n"),
    "state-garbage": bytes([STD]) + rec(FILE, IB0 + "/ports/1/state", "4:ACTIVE\n\n"),
    "guid-bad": bytes([STD]) + rec(FILE, IB0 + "/node_guid", "zz16:3eff:fe00:0000\n"),
    "link-loop": bytes([STD]) + rec(REMOVE, "sys/class/infiniband_verbs/uverbs0")
    + rec(LINK, "sys/class/infiniband_verbs/uverbs0", "uverbs0"),
    "link-up": bytes([STD]) + rec(LINK, "sys/class/infiniband_verbs/uverbs7", "../../.."),
    "file-for-dir": bytes([STD]) + rec(FILE, "sys/class/infiniband_verbs/uverbs5", "x"),
    "mad": bytes([STD]) + rec(FILE, "sys/class/infiniband_mad/umad0/ibdev", "erdma_0\n")
    + rec(FILE, "sys/class/infiniband_mad/umad0/dev", "231:0\n")
    + rec(FILE, "sys/class/infiniband_mad/issm0/ibdev", "erdma_0\n")
    + rec(FILE, "sys/class/infiniband_mad/issm0/dev", "231:64\n"),
    "node-is-file": bytes([STD]) + rec(REMOVE, "dev/infiniband/uverbs1")
    + rec(FILE, "dev/infiniband/uverbs1", "x"),
    "huge-attr": bytes([STD]) + rec(FILE, U0 + "/abi_version", "1" * 5000),
    "netdev-bad-mac": bytes([STD]) + rec(
        FILE, "sys/devices/pci0000:00/0000:01:00.0/virtio0/net/eth1/address", "00:16:3e\n"),
    "padded-index": bytes([STD]) + rec(LINK, "sys/class/infiniband_verbs/uverbs01",
                                        "../../devices/pci0000:00/0000:00:05.0/infiniband_verbs/uverbs0"),
}

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus/cdigen")
os.makedirs(out, exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
