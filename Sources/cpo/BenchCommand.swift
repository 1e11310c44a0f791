import ArgumentParser

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure speed; every figure is set against this machine's sgemm peak measured in the same run.",
        subcommands: [])
}
