// swift-tools-version:6.1
// RPC benchmarks: our gRPC stack (the parent package's `RPC`) against grpc-swift-2 + swift-protobuf
// + NIOSSL, in one run. A separate package so that the product never links the baseline's stack.
// See README.md; `bash run-rpc-bench.sh` (or `make bench-rpc` from the parent) runs everything.
import Foundation
import PackageDescription

// A path dependency's identity is its folder's name: whatever the checkout of the parent is called.
let parentIdentity = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "skills-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
    ],
    targets: [
        // The closed-loop load generator both clients share: options, workers, percentiles, JSON.
        .target(
            name: "LoadCore",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // The baseline: a grpc-swift-2 echo server (NIOSSL mTLS) and a load generator for it.
        // Generated/ holds protoc-gen-swift + protoc-gen-grpc-swift-2 output (generate.sh), committed.
        .executableTarget(
            name: "grpc-swift-echo",
            dependencies: [
                "LoadCore",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // The same load generator against our server (`skills-echo serve` of the parent package).
        .executableTarget(
            name: "skills-echo-load",
            dependencies: [
                "LoadCore",
                .product(name: "RPC", package: parentIdentity),
                .product(name: "Schema", package: parentIdentity),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // Encode / decode of a realistic Enrollment and Claim: our `Schema` (protobuf-c) against
        // swift-protobuf in one run. Generated/ holds protoc-gen-swift output for ../Protos/skills/v1
        // (generate.sh), committed. `bash run-schema-bench.sh` runs it.
        .executableTarget(
            name: "schema-bench",
            dependencies: [
                .product(name: "Schema", package: parentIdentity),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
