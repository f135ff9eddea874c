#!/usr/bin/env bash
# Checks (or, with --fix, applies) the Swift formatting of every hand-written Swift file against
# .swift-format (120 columns, 4 spaces). Generated code (*/Generated/*, Shared/SchemaC) is left to its
# generator. Uses the toolchain's own `swift format`; nothing to install.
#   Tools/format-check.sh          exit 1 and list what differs
#   Tools/format-check.sh --fix    rewrite the files in place
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

mapfile -t FILES < <(git ls-files -- 'Services/*.swift' 'Shared/*.swift' 'Tests/*.swift' 'Benchmarks/Sources/*.swift' \
    | grep -v '/Generated/' || true)
((${#FILES[@]} > 0)) || { echo "format-check: no Swift files found" >&2; exit 1; }

case "${1:-}" in
  --fix) swift format format --in-place --parallel "${FILES[@]}" ;;
  "")
    if ! swift format lint --strict --parallel "${FILES[@]}"; then
        echo "format-check: run 'Tools/format-check.sh --fix' (or 'make format') and commit the result" >&2
        exit 1
    fi
    echo "format-check: ${#FILES[@]} files formatted as .swift-format says"
    ;;
  *) echo "usage: $0 [--fix]" >&2; exit 2 ;;
esac
