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
            log-probability of the response) and "token_logprobs" added.
            """)

    @Option(help: "Model folder.") var model: String
    @Option(help: "JSONL file of prompt/response pairs.") var input: String
    @Option(help: "Output JSONL file.") var output: String
    @Option(help: "Sequences per forward pass.") var batchSize = 16
    @OptionGroup var tokenizerOption: TokenizerOption
    @OptionGroup var threadOptions: ThreadOptions

    func run() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        try threadOptions.apply()
        let (model, tokenizer) = try ModelFolder.load(URL(fileURLWithPath: self.model), tokenizer: tokenizerOption.resolve())
        let inputURL = URL(fileURLWithPath: input)
        let examples = try InstructionFile.load(inputURL, tokenizer: tokenizer)
        let scores: [SequenceScore]
        do {
            scores = try SequenceScorer.score(model: model, pairs: examples.map { ($0.promptIDs, $0.responseIDs) },
                                              batchSize: batchSize, padding: tokenizer.endOfText)
        } catch let error as SequenceTooLongError {
            throw ValidationError("\(input):\(examples[error.index].line): \(error)")
        }
        // The input lines again, numbered as InstructionFile numbered them, so each record keeps its own fields.
        guard let data = FileManager.default.contents(atPath: input) else { throw DataError.unreadable(file: input, reason: "it disappeared while it was scored") }
        let lines = TextLines.lines(of: data)
        var output: [String] = []
        for (example, score) in zip(examples, scores) {
            let line = TextLines.bytes(of: lines[example.line - 1], in: data)
            guard var record = try? JSONSerialization.jsonObject(with: line) as? [String: Any] else {
                throw DataError.malformedLine(file: input, line: example.line, reason: "changed while it was scored")
            }
            record["logprob"] = score.logProb
            record["token_logprobs"] = score.tokenLogProbs.map(Double.init)
            output.append(String(decoding: try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]), as: UTF8.self))
        }
        try AtomicFile.write(Data((output.joined(separator: "\n") + "\n").utf8), to: URL(fileURLWithPath: self.output))
    }
}
