#!/usr/bin/env bash
# Lists hand-written Swift files over 400 lines and functions over 80 lines, and exits 1 when there
# is any: a file a reader can hold in mind, a function that fits a screen or two.
#   Tools/size-check.sh              check Services/ and Shared/ (not */Generated/*)
#   Tools/size-check.sh PATH...      check these files or directories instead (same exclusions)
# SIZE_CHECK_MAX_FILE_LINES and SIZE_CHECK_MAX_FUNC_LINES change the limits (400, 80).
#
# A function's size is the lines from its `func` / `init` keyword to its closing brace, both
# included. The scan is a brace counter, not a parser; its limits:
#   - it blanks out comments (// and nested /* */) and string literals ("...", """...""", #"..."#
#     with any number of #) before counting, but not string interpolations that contain
#     another string literal spanning lines, nor regex literals (/.../) holding braces or quotes;
#   - it measures `func` and `init` (also init? and init!) bodies only: closures, computed
#     properties, accessors, `subscript` and `deinit` are counted in their enclosing function or not
#     at all; a nested function is counted alone and inside its outer function;
#   - a declaration without a body (a protocol requirement) is recognised when the next line starts
#     another declaration or closes the scope; an unusual layout can fool this.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

MAX_FILE=${SIZE_CHECK_MAX_FILE_LINES:-400}
MAX_FUNC=${SIZE_CHECK_MAX_FUNC_LINES:-80}
(($# > 0)) || set -- Services Shared

mapfile -t FILES < <(find "$@" -name '*.swift' -type f -not -path '*/Generated/*' | LC_ALL=C sort)
((${#FILES[@]} > 0)) || { echo "size-check: no Swift files under $*" >&2; exit 2; }

awk -v max_file="$MAX_FILE" -v max_func="$MAX_FUNC" '
function spaces(n,    s) { s = ""; while (n-- > 0) s = s " "; return s }
function flush_file() {
    if (file != "" && lines > max_file) {
        printf "%s: %d lines (limit %d)\n", file, lines, max_file
        bad++
    }
}
# The code of one line with comments and string contents replaced by spaces; comment and string
# state carries over to the next line (block comments, multi-line strings).
function code_of(line,    out, i, n, c, two, k) {
    out = ""
    n = length(line)
    i = 1
    while (i <= n) {
        c = substr(line, i, 1)
        two = substr(line, i, 2)
        if (comment > 0) {
            if (two == "/*") { comment++; i += 2; out = out "  "; continue }
            if (two == "*/") { comment--; i += 2; out = out "  "; continue }
            out = out " "; i++; continue
        }
        if (quote != "") {
            if (c == "\\" && hashes == 0) { out = out "  "; i += 2; continue }
            if (substr(line, i, length(quote)) == quote) {
                out = out spaces(length(quote))
                i += length(quote)
                quote = ""
                continue
            }
            out = out " "; i++; continue
        }
        if (two == "//") break
        if (two == "/*") { comment = 1; i += 2; out = out "  "; continue }
        if (c == "#" || c == "\"") {
            k = i
            while (substr(line, k, 1) == "#") k++
            if (substr(line, k, 1) == "\"") {
                hashes = k - i
                pounds = substr(line, i, hashes)
                if (substr(line, k, 3) == "\"\"\"") { quote = "\"\"\"" pounds; k += 3 }
                else { quote = "\"" pounds; k += 1 }
                out = out spaces(k - i)
                i = k
                continue
            }
        }
        out = out c
        i++
    }
    # A single-line string cannot continue on the next line.
    if (quote != "" && substr(quote, 1, 3) != "\"\"\"") quote = ""
    return out
}
FNR == 1 {
    flush_file()
    file = FILENAME; lines = 0; depth = 0; top = 0; pending = 0; comment = 0; quote = ""
}
{
    lines++
    code = code_of($0)
    trimmed = code
    sub(/^[ \t]+/, "", trimmed)
    # A pending declaration whose signature ended without a body: a protocol requirement.
    if (pending && pdepth == 0 && trimmed != "" &&
        trimmed ~ /^(}|func |init|var |let |case |static |class |public |private |internal |fileprivate |open |mutating |nonmutating |override |@|subscript|typealias |associatedtype |#)/) {
        pending = 0
    }
    start = 0
    if (match(code, /(^|[^A-Za-z0-9_.])(func[ \t]+[^ \t(<]+|init[?!]?[ \t]*[(<])/)) {
        decl = substr(code, RSTART, RLENGTH)
        sub(/^[^A-Za-z]/, "", decl)
        sub(/[ \t]*[(<]$/, "", decl)
        sub(/^func[ \t]+/, "", decl)
        pending = 1; pdepth = 0; pname = decl; pline = FNR
        start = RSTART
    }
    n = length(code)
    for (i = 1; i <= n; i++) {
        c = substr(code, i, 1)
        if (c == "(" || c == "[") { if (pending && i >= start) pdepth++ }
        else if (c == ")" || c == "]") { if (pending && i >= start) pdepth-- }
        else if (c == "{") {
            depth++
            if (pending && pdepth == 0 && i >= start) {
                top++; fname[top] = pname; fline[top] = pline; fdepth[top] = depth
                pending = 0
            }
        } else if (c == "}") {
            if (top > 0 && fdepth[top] == depth) {
                size = FNR - fline[top] + 1
                if (size > max_func) {
                    printf "%s:%d: %s is %d lines (limit %d)\n", file, fline[top], fname[top], size, max_func
                    bad++
                }
                top--
            }
            depth--
        }
    }
}
END {
    flush_file()
    if (bad > 0) {
        printf "size-check: %d over the limits (files %d lines, functions %d lines)\n", bad, max_file, max_func
        exit 1
    }
    printf "size-check: %d files, none over %d lines, no function over %d lines\n", files, max_file, max_func
}
' files="${#FILES[@]}" "${FILES[@]}"
