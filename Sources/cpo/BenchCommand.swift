import ArgumentParser
import Foundation

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure speed; every figure is set against this machine's sgemm peak measured in the same run.",
        subcommands: [BenchGemmCommand.self, BenchTrainCommand.self, BenchGenerateCommand.self, BenchCPOCommand.self,
                      BenchAllReduceCommand.self])
}

/// `--json` and the one way every benchmark reports: readable lines, or one JSON object.
struct BenchOutput: ParsableArguments {
    @Flag(help: "Print one JSON object with the figures instead of text.")
    var json = false

    func emit(_ figures: [String: Any], lines: [String]) throws {
        if json {
            let data = try JSONSerialization.data(withJSONObject: figures, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            lines.forEach { print($0) }
        }
    }
}
