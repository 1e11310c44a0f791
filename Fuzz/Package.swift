// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets for the readers of every input file, in a package of their own so that the
// project's build is unchanged. Built and run by launch/fuzz.sh (swiftc -sanitize=fuzzer: libFuzzer
// supplies main, each target only LLVMFuzzerTestOneInput).
let targets = ["safetensors", "config", "jsonl", "tokenizer-json", "gpt2-tokenizer", "verdict-cache"]

let package = Package(
    name: "cpo-fuzz",
    products: targets.map { .executable(name: "fuzz-\($0)", targets: ["fuzz-\($0)"]) },
    dependencies: [.package(name: "swift-cpo", path: "..")],
    targets: [
        .target(name: "FuzzSupport", dependencies: [.product(name: "CPOKit", package: "swift-cpo")]),
    ] + targets.map {
        .executableTarget(name: "fuzz-\($0)", dependencies: ["FuzzSupport", .product(name: "CPOKit", package: "swift-cpo")])
    },
    swiftLanguageModes: [.v5]
)
