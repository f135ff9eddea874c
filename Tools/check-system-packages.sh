#!/usr/bin/env bash
# Fails when the build, `make proto-check` or the built executables read a file from a Debian
# package that Tools/system-packages.txt does not list, nor pulls in (Depends/Pre-Depends of a
# listed package, recursively), nor belongs to the Swift toolchain's baseline. Such a package is
# installed here by chance and missing on a fresh machine: `make test` failed on one because
# libprotobuf-dev (google/protobuf/timestamp.proto) was not in the list.
#
# The files are found, not assumed:
#   - the compiler's dependency files (*.d) under .build: every header the C targets (SchemaC, the
#     C modules of the dependencies) included;
#   - the headers of each system library target of Package.swift (COpenSSL's shim.h), preprocessed
#     with its `pkg-config --cflags`, the .pc file and pkg-config itself;
#   - the libraries the link asks for (`linkedLibrary`, `link` in module maps, `pkg-config --libs`),
#     resolved as the toolchain's clang resolves them;
#   - the shared libraries the built executables load (ldd);
#   - what Tools/schemagen/generate.sh reads (`--list-inputs`: protoc, protoc-gen-c, the Python
#     interpreter, google/protobuf/timestamp.proto as protoc opens it).
# Each file is mapped to its package with `dpkg -S`; files of no package (the toolchain under
# /opt, pyenv, the repository) are not Debian's business and are skipped.
#
# Usage: Tools/check-system-packages.sh [--verbose]     (part of `make test`; run after a build)
# Environment: SKILLS_SYSTEM_PACKAGES (the list to check against; default Tools/system-packages.txt),
#   SKILLS_BUILD_DIR (default .build).
# Exit: 0 covered (or not a Debian system), 1 a package is missing from the list, 2 cannot check.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
LIST="${SKILLS_SYSTEM_PACKAGES:-$ROOT/Tools/system-packages.txt}"
BUILD_DIR="${SKILLS_BUILD_DIR:-$ROOT/.build}"
VERBOSE=0
[[ "${1:-}" == "--verbose" || "${1:-}" == "-v" ]] && VERBOSE=1

say() { echo "check-system-packages: $*" >&2; }

if ! command -v dpkg-query >/dev/null; then
    say "not a Debian/Ubuntu system (no dpkg); nothing to check"
    exit 0
fi
[[ -f "$LIST" ]] || { say "no package list at $LIST"; exit 2; }

# What swift.org asks to install for Swift 6 on Debian 12 (https://www.swift.org/install/linux/),
# which a machine that builds Swift has anyway, plus the C toolchain's own headers and libraries.
BASELINE=(binutils git gnupg2 libc6-dev linux-libc-dev libcurl4-openssl-dev libedit2 libgcc-12-dev libpython3-dev
          libsqlite3-0 libstdc++-12-dev libxml2-dev libncurses-dev libz3-dev pkg-config tzdata unzip zlib1g-dev)

SWIFT="$(readlink -f "$(command -v swift)")" || { say "swift not found"; exit 2; }
TOOLCHAIN="$(dirname "$(dirname "$SWIFT")")"
CLANG="$(dirname "$SWIFT")/clang"
[[ -x "$CLANG" ]] || CLANG="$(command -v cc || true)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
inputs="$work/inputs" # path <TAB> who reads it
: >"$inputs"
add() { printf '%s\t%s\n' "$1" "$2" >>"$inputs"; }
add_deps() { # reader, make-style dependency text on stdin
    tr ' \\' '\n\n' | sed 's/:$//' | { grep '^/' || true; } | while IFS= read -r path; do add "$path" "$1"; done
}

# 1. The compiler's dependency files of the last build.
mapfile -t depfiles < <(find "$BUILD_DIR" -path "$BUILD_DIR/checkouts" -prune -o -path '*.build/*' -name '*.d' -print 2>/dev/null)
if ((${#depfiles[@]} == 0)); then
    say "no compiler dependency files under $BUILD_DIR: run \`swift build --build-tests\` first"
    exit 2
fi
awk '{
    target = FILENAME; sub(/\.build\/.*$/, "", target); sub(/^.*\//, "", target)
    for (i = 1; i <= NF; i++) { p = $i; sub(/:$/, "", p); if (p ~ /^\//) print p "\tcompiling " target }
}' "${depfiles[@]}" >>"$inputs"

# 2. System library targets: their module headers as the importer sees them, and pkg-config.
libraries=()
while IFS=$'\t' read -r path pc; do
    cflags=()
    if [[ -n "$pc" ]]; then
        add "$(command -v pkg-config)" "pkg-config (SwiftPM runs it for $path)"
        pc_file="$(pkg-config --path "$pc" 2>/dev/null)" || { say "pkg-config does not know $pc (Package.swift, $path)"; exit 1; }
        add "$pc_file" "pkg-config $pc"
        read -r -a cflags <<<"$(pkg-config --cflags "$pc")"
        for flag in $(pkg-config --libs "$pc"); do
            if [[ "$flag" == -l* ]]; then libraries+=("${flag#-l}"); fi
        done
    fi
    while read -r header; do
        "$CLANG" -M -x c "${cflags[@]}" "$path/$header" | add_deps "the $(basename "$path") module ($header)"
    done < <(sed -n 's/^[[:space:]]*\(umbrella \)\{0,1\}header "\([^"]*\)".*/\2/p' "$path/module.modulemap")
done < <(awk '
    # A .systemLibrary( ... ) call, on one line or several: its path and pkgConfig, emitted when its
    # parentheses close.
    function field(text, name,    value) {
        if (!match(text, name ": *\"[^\"]*\"")) return ""
        value = substr(text, RSTART, RLENGTH); sub(/^[^"]*"/, "", value); sub(/"$/, "", value); return value
    }
    {
        text = $0
        if (!inside && (start = index(text, ".systemLibrary(")) > 0) { inside = 1; depth = 0; path = ""; pc = ""; text = substr(text, start) }
        if (!inside) next
        if (field(text, "path") != "") path = field(text, "path")
        if (field(text, "pkgConfig") != "") pc = field(text, "pkgConfig")
        depth += gsub(/\(/, "(", text) - gsub(/\)/, ")", text)
        if (depth <= 0) { inside = 0; if (path != "") print path "\t" pc }
    }' Package.swift)

# 3. Libraries the link asks for, resolved like the linker driver does.
mapfile -t -O "${#libraries[@]}" libraries < <(
    sed -n 's/.*linkedLibrary("\([^"]*\)").*/\1/p' Package.swift
    for dir in $(sed -n 's/^[[:space:]]*path: "\([^"]*\)".*/\1/p' Package.swift); do
        find "$dir" -maxdepth 2 -name module.modulemap -exec sed -n 's/^[[:space:]]*link "\([^"]*\)".*/\1/p' {} +
    done)
for lib in $(printf '%s\n' "${libraries[@]}" | sort -u); do
    resolved="$("$CLANG" -print-file-name="lib$lib.so")"
    if [[ "$resolved" == /* && -e "$resolved" ]]; then add "$resolved" "linking -l$lib"; fi
done

# 4. Shared libraries the built executables load.
for exe in "$BUILD_DIR"/debug/skills-* "$BUILD_DIR"/debug/skillsctl; do
    [[ -x "$exe" && -f "$exe" ]] || continue
    ldd "$exe" 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p' | while IFS= read -r lib; do add "$lib" "$(basename "$exe") at run time"; done
done

# 5. What make proto / make proto-check read.
if ! generated="$(bash Tools/schemagen/generate.sh --list-inputs)"; then
    say "Tools/schemagen/generate.sh --list-inputs failed (above)"
    exit 1
fi
while IFS= read -r path; do add "$path" "make proto-check (Tools/schemagen/generate.sh)"; done <<<"$generated"

# --- files -> packages -----------------------------------------------------------------------------
# One line per distinct system file: the path as read (directories resolved, the file itself not:
# a .so link belongs to the -dev package) and, for a symbolic link, also its target.
awk -F'\t' -v root="$ROOT/" -v toolchain="$TOOLCHAIN/" 'index($1, root) != 1 && index($1, toolchain) != 1' "$inputs" |
    sort -t $'\t' -k1,1 -u | while IFS=$'\t' read -r path reader; do
    [[ -e "$path" ]] || continue
    dir="$(readlink -f "${path%/*}/")"
    for file in "${dir%/}/${path##*/}" "$(readlink -f "$path")"; do
        case "$file" in "$ROOT"/* | "$TOOLCHAIN"/* | /tmp/* | /proc/*) continue ;; esac
        printf '%s\t%s\n' "$file" "$reader"
    done
done | sort -t $'\t' -k1,1 -u >"$work/files"

# dpkg records some files under /lib, /bin, /sbin that merged /usr reaches as /usr/lib ... and back.
awk -F'\t' '{ print $1; p = $1
    if (sub(/^\/usr\/(lib|bin|sbin)/, "", p)) { q = $1; sub(/^\/usr/, "", q); print q } else if ($1 ~ /^\/(lib|bin|sbin)/) print "/usr" $1 }' \
    "$work/files" | sort -u >"$work/candidates"
xargs -d '\n' dpkg-query -S <"$work/candidates" 2>/dev/null | grep -v '^diversion ' >"$work/owners" || true

dpkg-query -W -f='${Package}\t${db:Status-Abbrev}\t${Essential}\t${Provides}\t${Pre-Depends}, ${Depends}\n' >"$work/installed"
sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$LIST" >"$work/listed"
printf '%s\n' "${BASELINE[@]}" >"$work/baseline"
dpkg-query -S "$SWIFT" 2>/dev/null | sed 's/: .*//; s/, /\n/g; s/:[a-z0-9]*$//' >>"$work/baseline" || true

# Everything the list and the baseline pull in, as "package<TAB>why".
awk -F'\t' '
    FILENAME == ARGV[1] { seed[$1] = "listed"; next }
    FILENAME == ARGV[2] { if (!($1 in seed)) seed[$1] = "toolchain baseline"; next }
    $2 ~ /^ii/ {
        installed[$1] = 1; deps[$1] = deps[$1] ", " $5
        if ($3 == "yes") essential[$1] = 1
        n = split($4, provides, /, */)
        for (i = 1; i <= n; i++) { p = provides[i]; sub(/ .*/, "", p); if (p != "") providers[p] = providers[p] " " $1 }
    }
    function enqueue(name, why,    m, list, j) {
        sub(/:.*/, "", name)
        if (name in installed) { if (!(name in allowed)) { allowed[name] = why; queue[++tail] = name } }
        m = split(providers[name], list, " ")
        for (j = 1; j <= m; j++) if (!(list[j] in allowed)) { allowed[list[j]] = why; queue[++tail] = list[j] }
    }
    END {
        for (p in seed) enqueue(p, seed[p])
        for (p in essential) enqueue(p, "Essential")
        for (head = 1; head <= tail; head++) {
            p = queue[head]
            n = split(deps[p], groups, /, */)
            for (i = 1; i <= n; i++) {
                m = split(groups[i], alternatives, / *\| */)
                for (j = 1; j <= m; j++) {
                    a = alternatives[j]; gsub(/\(.*\)/, "", a); gsub(/ /, "", a)
                    if (a != "") enqueue(a, "needed by " p)
                }
            }
        }
        for (p in allowed) print p "\t" allowed[p]
    }' "$work/listed" "$work/baseline" "$work/installed" >"$work/allowed"

# Verdicts: per file, its packages (either spelling of a merged-/usr path) and whether one is allowed.
awk -F'\t' -v verbose="$VERBOSE" -v list="${LIST#"$ROOT"/}" '
    FILENAME == ARGV[1] { allowed[$1] = $2; next }
    FILENAME == ARGV[2] {
        split($0, parts, ": /"); path = substr($0, length(parts[1]) + 3)
        n = split(parts[1], pkgs, /, */)
        for (i = 1; i <= n; i++) { p = pkgs[i]; sub(/:.*/, "", p); owner[path] = owner[path] (owner[path] == "" ? "" : " ") p }
        next
    }
    {
        path = $1; alt = path
        if (!sub(/^\/usr\/(lib|bin|sbin)/, "&", alt)) alt = "/usr" path; else sub(/^\/usr/, "", alt)
        owners = (path in owner) ? owner[path] : owner[alt]
        if (owners == "") { if (verbose) print "  (no package) " path " <- " $2 > "/dev/stderr"; next }
        files++
        n = split(owners, pkgs, " "); ok = ""
        for (i = 1; i <= n; i++) { seen[pkgs[i]] = 1; if (pkgs[i] in allowed) ok = pkgs[i] }
        if (ok != "") { if (verbose) print "  ok " path " <- " $2 ": " ok " (" allowed[ok] ")" > "/dev/stderr"; next }
        missing[pkgs[1]]++
        if (missing[pkgs[1]] <= 3) example[pkgs[1]] = example[pkgs[1]] "\n    " path " (read by " $2 ")"
    }
    END {
        for (p in seen) packages++
        bad = 0
        for (p in missing) {
            bad = 1
            printf "check-system-packages: %d file(s) come from the Debian package %s, which %s does not list (nor does a package it lists depend on it, nor the Swift toolchain baseline):%s\n", missing[p], p, list, example[p] > "/dev/stderr"
            printf "  fix: add %s to %s (Tools/ensure-system-packages.sh installs what it lists)\n", p, list > "/dev/stderr"
        }
        if (!bad) printf "check-system-packages: the %d system files the build and make proto-check read come from %d Debian packages, all covered by %s\n", files, packages, list
        exit bad
    }' "$work/allowed" "$work/owners" "$work/files"
