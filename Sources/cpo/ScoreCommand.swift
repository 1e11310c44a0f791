import ArgumentParser
import CPOKit
import Foundation

struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Log-probability of each response given its prompt.",
        discussion: """
            Each input line has prompt/response (or instruction/context/response) as text, which get the \
            training template and an end-of-text token after the response, or prompt_ids/response_ids, \
            used exactly as given. Each output line is the input line with "logprob" (the summed \
            log-probability of the response) and "token_logprobs" added. A row longer than the model's \
            context is cut as training rows are (the prompt keeps its end, the response its start) and \
            scored on what is kept; its line also says prompt_tokens_cut and response_tokens_cut.
            """)

    @Option(help: "Model folder.") var model: String
    @Option(help: "JSONL file of prompt/response pairs.") var input: String
    @Option(help: "Output JSONL file.") var output: String
    @Option(help: "Sequences per forward pass.") var batchSize = 16
    @OptionGroup var tokenizerOption: TokenizerOption
    @OptionGroup var threadOptions: ThreadOptions

    func validate() throws {
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
    }

    func run() throws {
        try threadOptions.apply()
        let (model, tokenizer) = try ModelFolder.load(URL(fileURLWithPath: self.model), tokenizer: tokenizerOption.resolve())
        let positions = model.config.maxPositions
        let examples = try InstructionFile.load(URL(fileURLWithPath: input), tokenizer: tokenizer)
        let cuts = examples.map { ContextCut(scoring: $0.promptIDs, continuation: $0.responseIDs, positions: positions) }
        let line = ProgressLine(), phases = PhaseProgress(line)
        let cut = cuts.filter(\.isCut).count
        if cut > 0 {
            line.note(CutRowsNote.text(cut: cut, of: cuts.count, unit: "rows", positions: positions,
                                       how: "each was cut as training rows are: the prompt keeps its end, the response its start, and "
                                           + "the scores cover the tokens kept (prompt_tokens_cut, response_tokens_cut in their output lines)"))
        }
        let scores = try SequenceScorer.score(model: model, pairs: cuts.map { ($0.prompt, $0.continuation) }, batchSize: batchSize,
                                              padding: tokenizer.endOfText,
                                              scored: { phases.update("scoring", done: $0, of: cuts.count, unit: "rows") })
        // The input lines again, numbered as InstructionFile numbered them, so each record keeps its own fields.
        guard let data = FileManager.default.contents(atPath: input) else { throw DataError.unreadable(file: input, reason: "it disappeared while it was scored") }
        let lines = TextLines.lines(of: data)
        var output: [String] = []
        for (example, (cut, score)) in zip(examples, zip(cuts, scores)) {
            let bytes = TextLines.bytes(of: lines[example.line - 1], in: data)
            guard var record = try? JSONSerialization.jsonObject(with: bytes) as? [String: Any] else {
                throw DataError.malformedLine(file: input, line: example.line, reason: "changed while it was scored")
            }
            record["logprob"] = score.logProb
            record["token_logprobs"] = score.tokenLogProbs.map(Double.init)
            if cut.isCut {
                record["prompt_tokens_cut"] = cut.promptTokensCut
                record["response_tokens_cut"] = cut.continuationTokensCut
            }
            output.append(String(decoding: try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]), as: UTF8.self))
        }
        try AtomicFile.write(Data((output.joined(separator: "\n") + "\n").utf8), to: URL(fileURLWithPath: self.output))
        line.result("wrote \(output.count) scored rows to \(self.output)")
    }
}
