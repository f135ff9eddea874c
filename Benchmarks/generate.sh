#!/usr/bin/env bash
# Regenerates (committed, no SwiftPM build plugin) two folders of swift-protobuf code:
#  - Sources/grpc-swift-echo/Generated/ from Protos/echo.proto, a copy of
#    ../Protos/skills/testing/v1/echo.proto (messages + grpc-swift-2 stubs);
#  - Sources/schema-bench/Generated/ from ../Protos/skills/v1/{common,matching,payment}.proto, read in
#    place (messages only: Enrollment, Claim and what they nest; google.protobuf.Timestamp is
#    SwiftProtobuf's own well-known type).
# This is how those files were produced:
#
#   1. the two protoc plugins are built ONCE from the offline packages (no SwiftPM build plugins):
#        git clone --branch 1.39.0 https://github.com/apple/swift-protobuf.git       (protoc-gen-swift)
#        git clone --branch 2.4.1  https://github.com/grpc/grpc-swift-protobuf.git   (protoc-gen-grpc-swift-2)
#        swift build -c release --product protoc-gen-swift          # in swift-protobuf
#        swift build -c release --product protoc-gen-grpc-swift-2   # in grpc-swift-protobuf
#      (git on these machines reads github.com from /opt/swift-packages; a few minutes on 2 cores;
#      PROTOC_GEN_SWIFT / PROTOC_GEN_GRPC_SWIFT_2 point at ready binaries and skip this step);
#   2. protoc runs them: swift-protobuf messages + grpc-swift-2 server and client stubs, internal.
#
# Usage: bash generate.sh [--check]   (--check: fail when the committed files differ)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="${BENCH_GEN_DIR:-/tmp/skills-bench-gen}"
out="$here/Sources/grpc-swift-echo/Generated"
schema_out="$here/Sources/schema-bench/Generated"
schema_protos=(skills/v1/common.proto skills/v1/matching.proto skills/v1/payment.proto)

build_plugin() { # repo tag product
    local dir="$work/$(basename "$1")"
    [[ -d "$dir" ]] || git clone -q --branch "$2" "https://github.com/$1.git" "$dir"
    (cd "$dir" && nice -n 10 swift build -c release --product "$3" >&2)
    echo "$(cd "$dir" && swift build -c release --show-bin-path)/$3"
}

mkdir -p "$work"
gen_swift="${PROTOC_GEN_SWIFT:-$(build_plugin apple/swift-protobuf 1.39.0 protoc-gen-swift)}"
gen_grpc="${PROTOC_GEN_GRPC_SWIFT_2:-$(build_plugin grpc/grpc-swift-protobuf 2.4.1 protoc-gen-grpc-swift-2)}"

tmp="$(mktemp -d)"
schema_tmp="$(mktemp -d)"
trap 'rm -rf "$tmp" "$schema_tmp"' EXIT
protoc -I "$here/Protos" \
    --plugin=protoc-gen-swift="$gen_swift" --swift_out="$tmp" --swift_opt=Visibility=Internal \
    --plugin=protoc-gen-grpc-swift-2="$gen_grpc" --grpc-swift-2_out="$tmp" \
    --grpc-swift-2_opt=Visibility=Internal,Server=true,Client=true \
    echo.proto
protoc -I "$here/../Protos" \
    --plugin=protoc-gen-swift="$gen_swift" --swift_out="$schema_tmp" \
    --swift_opt=Visibility=Internal,FileNaming=DropPath \
    "${schema_protos[@]}"

if [[ "${1:-}" == "--check" ]]; then
    diff -ru "$out" "$tmp" && diff -ru "$schema_out" "$schema_tmp" && echo "generated code is up to date"
else
    for pair in "$out:$tmp" "$schema_out:$schema_tmp"; do
        dest="${pair%%:*}" src="${pair#*:}"
        mkdir -p "$dest"
        rm -f "$dest"/*.swift
        cp "$src"/*.swift "$dest"/
        ls -l "$dest"
    done
fi
