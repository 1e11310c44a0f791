import ArgumentParser
import CPOKit
import Foundation

@main
struct CPO: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cpo",
        abstract: "Train language models with Contrastive Preference Optimization on CPU clusters.",
        discussion: """
            A run folder (--out DIR) holds metrics.jsonl, checkpoint-STEP/ folders and final/, \
            a Hugging Face GPT-2 folder that later commands take as --model DIR.
            """,
        subcommands: [TrainCommand.self, PlanCommand.self, GenerateCommand.self, ScoreCommand.self, DataCommand.self, BenchCommand.self,
                      EvalCommand.self, EnsembleCommand.self, SweepAlphaCommand.self, TokenizeCommand.self, ReportCommand.self])

    static func main() {
        // Results go to stdout, progress to stderr: line by line, so that `2>&1` keeps their order.
        setvbuf(stdout, nil, _IOLBF, 0)
        main(joiningNegativeValues(Array(CommandLine.arguments.dropFirst())))
    }

    /// `--steps -1` as `--steps=-1`. swift-argument-parser takes a word starting with "-" for an
    /// option, so it would say "Missing value for '--steps'" rather than let validation say what
    /// is allowed. No option of cpo is spelt like a number, so nothing else changes meaning.
    static func joiningNegativeValues(_ arguments: [String]) -> [String] {
        var joined: [String] = []
        for argument in arguments {
            if let option = joined.last, option.hasPrefix("--"), !option.contains("="), isNegativeNumber(argument) {
                joined[joined.count - 1] = option + "=" + argument
            } else {
                joined.append(argument)
            }
        }
        return joined
    }

    private static func isNegativeNumber(_ word: String) -> Bool {
        guard word.hasPrefix("-"), let next = word.dropFirst().first else { return false }
        return next.isNumber || (next == "." && word.dropFirst(2).first?.isNumber == true)
    }
}
