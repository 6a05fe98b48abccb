# SPDX-License-Identifier: Apache-2.0
"""Validates a CDI spec file (JSON or YAML) for the e2e tests.

Run with Debian's /usr/bin/python3 (python3-jsonschema, python3-yaml):
    cdi_validate.py SCHEMA_DIR SPEC
Checks the document against SCHEMA_DIR/schema.json, the CDI name rules
(cncf-tags/container-device-interface pkg/parser) and the lowest-version rule
(specs-go/version.go), then prints one summary line:
    version=0.5.0 kind=aliyun.com/erdma names=erdma_0,all hostpath=yes
Exit status 1 with the reason on stderr when a check fails.
"""
import json
import os
import re
import sys

import jsonschema
import yaml

VENDOR_CLASS = re.compile(r"^[A-Za-z]([A-Za-z0-9_.-]*[A-Za-z0-9])?$")
DEVICE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9_.:-]*[A-Za-z0-9])?$")


def fail(msg):
    print("cdi_validate: " + msg, file=sys.stderr)
    sys.exit(1)


def all_edits(spec):
    yield spec.get("containerEdits") or {}
    for d in spec["devices"]:
        yield d.get("containerEdits") or {}


def lowest_version(spec):
    v = "0.3.0"
    edits = list(all_edits(spec))
    if any(m.get("type") for e in edits for m in e.get("mounts") or []):
        v = "0.4.0"
    if any(n.get("hostPath") for e in edits for n in e.get("deviceNodes") or []) or any(
        d["name"] and not d["name"][0].isalpha() for d in spec["devices"]
    ):
        v = "0.5.0"
    if spec.get("annotations") or any(d.get("annotations") for d in spec["devices"]) or (
        "." in spec["kind"].split("/", 1)[1]
    ):
        v = "0.6.0"
    if any(e.get("intelRdt") is not None or e.get("additionalGids") for e in edits):
        v = "0.7.0"
    return v


def main():
    schema_dir, path = sys.argv[1], sys.argv[2]
    with open(os.path.join(schema_dir, "schema.json")) as f:
        schema = json.load(f)
    with open(path) as f:
        text = f.read()
    # A YAML spec must read back to the same types a JSON one has: PyYAML's
    # 1.1 resolver is the strict test (cdiVersion must stay a string).
    spec = json.loads(text) if path.endswith(".json") else yaml.safe_load(text)
    resolver = jsonschema.RefResolver(
        base_uri="file://" + os.path.abspath(schema_dir) + "/schema.json", referrer=schema
    )
    try:
        jsonschema.validate(spec, schema, resolver=resolver)
    except jsonschema.ValidationError as e:
        fail("schema: %s" % e.message)

    vendor, _, cls = spec["kind"].partition("/")
    if not VENDOR_CLASS.match(vendor) or not VENDOR_CLASS.match(cls):
        fail("kind %r breaks the CDI name rules" % spec["kind"])
    names = [d["name"] for d in spec["devices"]]
    for n in names:
        if not isinstance(n, str) or not DEVICE.match(n):
            fail("device name %r breaks the CDI name rules" % (n,))
    if len(set(names)) != len(names):
        fail("duplicate device names: %r" % names)
    want = lowest_version(spec)
    if spec["cdiVersion"] != want:
        fail("cdiVersion %r, the lowest version for this spec is %r" % (spec["cdiVersion"], want))
    for e in all_edits(spec):
        for n in e.get("deviceNodes") or []:
            if not isinstance(n.get("major"), int) or not isinstance(n.get("minor"), int):
                fail("node %r: major/minor are not integers" % n.get("path"))
    hostpath = any(n.get("hostPath") for e in all_edits(spec) for n in e.get("deviceNodes") or [])
    print(
        "version=%s kind=%s names=%s hostpath=%s"
        % (spec["cdiVersion"], spec["kind"], ",".join(names), "yes" if hostpath else "no")
    )


main()
