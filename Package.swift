// swift-tools-version:6.0
import PackageDescription

// Release builds of the library target AVX2 + FMA (x86-64 CPUs since 2013): on the SSE2 baseline the
// SIMD kernels (exp, GELU, softmax) take several times longer. Not -Ounchecked: with Swift 6.3.1 it
// miscompiled the error register of a throwing function (a successful safetensors read came back as
// a garbage error), and the time goes to sgemm anyway.
#if arch(x86_64)
let releaseFlags = ["-target-cpu", "haswell"]
#else
let releaseFlags = ["-Ounchecked"]
#endif

let package = Package(
    name: "swift-cpo",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "cpo", targets: ["cpo"]),
        .library(name: "CPOKit", targets: ["CPOKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),
        .target(
            name: "CPOKit",
            dependencies: ["COpenBLAS", "CMPI"],
            swiftSettings: [.unsafeFlags(releaseFlags, .when(configuration: .release))]),
        .executableTarget(
            name: "cpo",
            dependencies: ["CPOKit", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .testTarget(
            name: "CPOKitTests",
            dependencies: ["CPOKit"],
            resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v5]
)
