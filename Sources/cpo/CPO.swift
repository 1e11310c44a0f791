import ArgumentParser
import CPOKit

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
}
