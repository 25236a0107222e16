#!/usr/bin/env bash
# Issue 18, acceptance 2: the README's and the docs' shell examples marked
# <!-- doc-test --> run against the embedded default (the real scripts/up, on
# free ports, with the binary under test) so they cannot rot. How blocks are
# marked and run: tests/README.md, "Documentation tests".
#   docs_examples_test.sh SQLWARDEN_BINARY WORK_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/scripts/lib/backends.sh"
binary=$1
work=$2
source "$root/tests/scripts/free_up_ports.sh" "$binary" "$work/up"

"$root/scripts/down" >/dev/null 2>&1 || true
rm -rf "$work"
mkdir -p "$work/sandbox/build"
trap '"$root/scripts/down" >/dev/null 2>&1 || true' EXIT

# The examples' own view of a checkout: build/sqlwarden is the binary under
# test, config/ and scripts/ are the repository's; files they write stay here.
ln -s "$(readlink -f "$binary")" "$work/sandbox/build/sqlwarden"
ln -s "$root/config" "$work/sandbox/config"
ln -s "$root/scripts" "$work/sandbox/scripts"

if ! "$root/scripts/up" >"$work/up.log" 2>&1; then
  cat "$work/up.log"
  echo "FAIL: scripts/up" >&2
  exit 1
fi
python3 "$root/tests/scripts/docs_check.py" run "$root" "$work/sandbox"
