import ArgumentParser
import CPOKit
import Foundation

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Generate a continuation of each held-out prompt and judge it against the reference.",
        discussion: """
            Verdicts: win 1, tie ½, loss 0, or invalid (the judge could not decide; counted apart). \
            win_rate = (wins + ½ ties) / (wins + ties + losses), with a 95 % Wilson score interval \
            (conservative when there are ties). Writes OUT/evaluation.jsonl (one line per prompt: \
            prompt, generation, reference, verdict, the judge's details) and OUT/summary.json (also \
            the references' mean token NLL under the model, the generations' mean length, distinct-1/2 \
            and repetition rate: the share of 4-grams that repeat an earlier 4-gram of the same \
            generation). Under mpirun prompt i is generated on rank i mod R; rank 0 judges and writes.
            """)

    @Option(help: "Model folder.") var model: String
    @OptionGroup var evaluation: EvaluationArguments
    @OptionGroup var judge: JudgeArguments
    @Option(help: "Output folder: evaluation.jsonl and summary.json.") var out: String
    @OptionGroup var tokenizerOption: TokenizerOption
    @OptionGroup var threadOptions: ThreadOptions

    func validate() throws { try OutputFolder.check(URL(fileURLWithPath: out)) }

    func run() throws {
        try WorldJob.run { communicator in
            try threadOptions.apply()
            let (model, tokenizer) = try ModelFolder.load(URL(fileURLWithPath: self.model), tokenizer: tokenizerOption.resolve())
            let examples = try evaluation.examples(tokenizer: tokenizer)
            let line = ProgressLine()
            let judge = communicator.rank == 0 ? try self.judge.make(batchSize: evaluation.batchSize, progress: line) : nil
            let progress = EvaluationProgress(line, communicator: communicator)
            if let result = try Evaluation.run(model: model, tokenizer: tokenizer, examples: examples, judge: judge,
                                               options: evaluation.options(for: examples, context: model.config.maxPositions), communicator: communicator,
                                               modelLabel: self.model, dataLabel: evaluation.data, report: { progress.show($0) }) {
                try result.write(to: URL(fileURLWithPath: out))
                line.result(result.summary.line)
                line.result("wrote \(out)/\(JudgedEvaluation.recordsFile) and \(out)/\(JudgedEvaluation.summaryFile)")
            }
            try communicator.barrier()
        }
    }
}
