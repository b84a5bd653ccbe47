// swift-tools-version: 6.1
import PackageDescription

/// Dependency rule: PaySim imports no other target of ours; Console,
/// RedisBackend and MetricsEndpoint import PaySim and never each other; only
/// `payops` wires them.
let package = Package(
    name: "payops",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "payops", targets: ["payops"]),
        .library(name: "PaySim", targets: ["PaySim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
    ],
    targets: [
        // Linked by name in their module maps, not through pkg-config: the
        // only flags pkg-config adds are -D defines SwiftPM drops with a
        // warning (shim.h defines what it needs itself).
        .systemLibrary(name: "CNCurses"),
        .systemLibrary(name: "CHiredis"),
        .target(
            name: "PaySim",
            dependencies: [
                .product(name: "Collections", package: "swift-collections"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            // One thread owns the simulation (see Simulation's doc comment), so
            // the runtime exclusivity checks on its class properties, 12% of a
            // release run's time, buy nothing; the compile-time checks stay.
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),
        // Owned by the simulation's one thread too: the same reasoning.
        .target(name: "RedisBackend", dependencies: ["PaySim", "CHiredis"],
                swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]),
        // The console's loop runs on one thread (input, frames and the engine in turn).
        .target(name: "Console", dependencies: ["PaySim", "CNCurses"],
                swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]),
        // The live /metrics endpoint: the OpenMetrics text from swift-prometheus, served by FlyingFox.
        .target(name: "MetricsEndpoint", dependencies: [
            "PaySim",
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "FlyingFox", package: "FlyingFox"),
        ]),
        .executableTarget(
            name: "payops",
            dependencies: [
                "PaySim", "Console", "RedisBackend", "MetricsEndpoint",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "PaySimTests",
            dependencies: [
                "PaySim", "TestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        // Helpers shared by the tests: a private redis-server, clean child processes, compiled-in copies of shipped files.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "RedisBackendTests", dependencies: ["RedisBackend", "PaySim", "CHiredis", "TestSupport"]),
        .testTarget(name: "ConsoleTests", dependencies: [
            "Console", "CNCurses", "TestSupport",
            .product(name: "PropertyBased", package: "swift-property-based"),
        ], exclude: ["Snapshots"]),
        .testTarget(name: "PayopsEndToEndTests", dependencies: ["payops", "PaySim", "RedisBackend", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
