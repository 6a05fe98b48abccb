/* SPDX-License-Identifier: Apache-2.0 */
/* YAML output of a JSON tree. The only module that includes <yaml.h>.
 *
 * Goes through libyaml's emitter (escaping, indentation and line breaks are
 * its business, never ours). A string that a YAML parser would resolve to
 * something else when written plain (a number, a boolean, null, a version
 * such as 0.3.0, empty, with leading or trailing space) is double-quoted,
 * for the YAML 1.1 resolvers (Go yaml.v2 behind sigs.k8s.io/yaml, PyYAML)
 * and the 1.2 core schema alike. Numbers, booleans and null stay plain. */
#pragma once
#include "error.h"
#include "json.h"

#include <stdbool.h>
#include <stddef.h>

/* Serialises j as one YAML document (block style, no "---" line, trailing
 * newline). Fails (EILSEQ) on a string that is not valid UTF-8. *ret is
 * NUL-terminated and owned by the caller. */
int ect_yaml_emit(const struct ect_json *j, char **ret, size_t *ret_len, struct ect_error **err);

/* Whether s (len bytes) must be quoted to stay a string in YAML. Exported
 * for tests. */
bool ect_yaml_needs_quotes(const char *s, size_t len);

/* Parses one YAML document into a JSON tree, every scalar as a string
 * (enough to read a CDI spec's names and versions; aliases are resolved
 * by libyaml). Errors name line and column. */
int ect_yaml_parse(const char *buf, size_t len, struct ect_json **ret, struct ect_error **err);
