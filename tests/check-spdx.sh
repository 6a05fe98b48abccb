#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every tracked source file says its license in its first lines:
#   /* SPDX-License-Identifier: Apache-2.0 */   C and headers
#   # SPDX-License-Identifier: Apache-2.0       shell, make, python, TOML,
#                                               YAML, units, rules, spec...
#   .\" SPDX-License-Identifier: Apache-2.0     man pages
# (after a #! line where there is one). Files that cannot hold a comment
# (JSON, LICENSE, debian's control files, fuzz inputs) and prose (*.md,
# README) are not sources here.
#
#   tests/check-spdx.sh          list the files without it; exit 1 if any
#   tests/check-spdx.sh --fix    add the header to them
set -euo pipefail
cd "$(dirname "$0")/.."
ID='SPDX-License-Identifier: Apache-2.0'

if ! files=$(git ls-files 2>/dev/null); then
	echo "spdx: not a git checkout, nothing to check"
	echo "spdx: 0 passed, 0 failed"
	exit 0
fi

# The comment leader of a source file; empty for a file that is not one.
leader() {
	case $1 in
	fuzz/corpus/* | fuzz/regressions/* | tests/fixtures/*.json) ;; # * matches / too
	LICENSE | *.md | */README | README | *.json | debian/changelog | debian/control | \
		debian/copyright | debian/source/format | debian/README.source) ;;
	*.c | *.h) echo '/*' ;;
	*.1) echo '.\"' ;;
	*.sh | *.py | *.mk | Makefile | *.toml | *.yaml | *.yml | *.service | *.target | *.socket | \
		*.timer | *.path | *.mount | *.rules | *.spec | \
		*.conf | *.supp | .ci/run | .clang-format | .gitignore | .shellcheckrc | debian/rules | \
		debian/*.lintian-overrides | packaging/bash-completion/* | */Containerfile)
		echo '#' ;;
	*)
		# Any other script: its #! line says so.
		if head -c 2 "$1" 2>/dev/null | grep -q '^#!'; then echo '#'; fi ;;
	esac
}

pass=0 missing=()
for f in $files; do
	[ -f "$f" ] || continue
	l=$(leader "$f")
	[ -n "$l" ] || continue
	if head -n 5 "$f" | grep -qF "$ID"; then
		pass=$((pass + 1))
	else
		missing+=("$f")
	fi
done

if [ "${1:-}" = --fix ]; then
	for f in "${missing[@]}"; do
		l=$(leader "$f")
		case $l in
		'/*') line="/* $ID */" ;;
		*) line="$l $ID" ;;
		esac
		tmp=$(mktemp)
		if head -n 1 "$f" | grep -q '^#!'; then
			{ head -n 1 "$f"; echo "$line"; tail -n +2 "$f"; } >"$tmp"
		else
			{ echo "$line"; cat "$f"; } >"$tmp"
		fi
		cat "$tmp" >"$f" # keeps the file's mode
		rm -f "$tmp"
		echo "spdx: added to $f"
	done
	echo "spdx: ${#missing[@]} file(s) given the header"
	exit 0
fi

for f in "${missing[@]}"; do
	echo "not ok - $f: no '$ID' in its first 5 lines (tests/check-spdx.sh --fix adds it)"
done
echo "spdx: $pass passed, ${#missing[@]} failed"
[ "${#missing[@]}" -eq 0 ]
