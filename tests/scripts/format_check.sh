#!/usr/bin/env bash
# Every C++ file in the repository is clang-formatted (.clang-format at the root).
# One clang-format process for all files: starting one per file cost a minute.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(git ls-files -z '*.cpp' '*.hpp' '*.h' | xargs -0 clang-format --dry-run -Werror 2>&1) || true
bad=$(printf '%s\n' "$out" | sed -n 's/^\([^: ]*\.[ch]p*\):[0-9]*:[0-9]*: error:.*/\1/p' | sort -u)
if [ -n "$bad" ] || printf '%s\n' "$out" | grep -q 'error:'; then
  echo "not clang-formatted (run clang-format -i on them):"
  printf '%s\n' "${bad:-$out}"
  exit 1
fi
echo "format: ok"
