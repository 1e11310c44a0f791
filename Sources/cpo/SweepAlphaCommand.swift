import ArgumentParser
import CPOKit
import Foundation

struct SweepAlphaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep-alpha",
        abstract: "Evaluate the weight-space ensemble α·θ_MLE + (1 − α)·θ_CPO for several α and keep the best.",
        discussion: """
            Each ensemble is built in memory and evaluated as 'cpo eval' does. The best α has the \
            highest validation win rate; equal win rates go to the larger α (nearer the MLE model). \
            Writes OUT/alpha-<α>/ (summary.json, evaluation.jsonl) per α, OUT/ensemble (the best \
            ensemble as a model folder), OUT/sweep.json and OUT/sweep.md.
            """)

    @Option(help: "The MLE model folder (weight α).") var mle: String
    @Option(help: "The CPO model folder (weight 1 − α).") var cpo: String
    @Option(help: "Comma-separated α values in [0, 1].") var alphas = "0,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1"
    @OptionGroup var evaluation: EvaluationArguments
    @OptionGroup var judge: JudgeArguments
    @Option(help: "Output folder.") var out: String
    @OptionGroup var tokenizerOption: TokenizerOption
    @OptionGroup var threadOptions: ThreadOptions

    func validate() throws {
        do { try AlphaSweep.validate(alphas: try parsedAlphas()) } catch { throw ValidationError("\(error)") }
        try OutputFolder.check(URL(fileURLWithPath: out))
    }

    private func parsedAlphas() throws -> [Double] {
        try alphas.split(separator: ",").map { field in
            guard let alpha = Double(field.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--alphas: '\(field)' is not a number")
            }
            return alpha
        }
    }

    func run() throws {
        let alphas = try parsedAlphas()
        try WorldJob.run { communicator in
            try threadOptions.apply()
            let ensemble = try WeightEnsemble(mle: URL(fileURLWithPath: mle), cpo: URL(fileURLWithPath: cpo), tokenizer: tokenizerOption.resolve())
            let examples = try evaluation.examples(tokenizer: ensemble.tokenizer)
            let line = ProgressLine()
            let judge = communicator.rank == 0 ? try self.judge.make(batchSize: evaluation.batchSize, progress: line) : nil
            let progress = EvaluationProgress(line, communicator: communicator)
            let summary = try AlphaSweep.run(
                ensemble: ensemble, alphas: alphas, out: URL(fileURLWithPath: out), judge: self.judge.judge, data: evaluation.data,
                evaluate: { model, alpha in
                    let label = String(format: "α = %g (%d of %d)", alpha, alphas.firstIndex(of: alpha)! + 1, alphas.count)
                    return try Evaluation.run(model: model, tokenizer: ensemble.tokenizer, examples: examples, judge: judge,
                                              options: evaluation.options(for: examples, context: model.config.maxPositions),
                                              communicator: communicator, modelLabel: "ensemble alpha=\(alpha) of \(mle) (MLE) and \(cpo) (CPO)",
                                              dataLabel: evaluation.data, report: { progress.show($0, label: label) })
                },
                evaluated: { alpha, result in line.result(String(format: "α = %g: ", alpha) + result.summary.line) })
            if let summary {
                line.result(String(format: "best α = %g; wrote %@/ensemble, sweep.json and sweep.md", summary.bestAlpha, out))
            }
            try communicator.barrier()
        }
    }
}
