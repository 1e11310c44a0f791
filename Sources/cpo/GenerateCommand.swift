import ArgumentParser
import CPOKit
import Foundation

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Continue prompts with a trained model.",
        discussion: """
            --prompt TEXT is used as given; lines of --input FILE.jsonl (instruction/context or prompt, \
            or prompt_ids) get the training prompt template, so a model continues them as it was \
            trained to. With --output the results are written as JSONL (prompt, generation, token ids, \
            log-prob); otherwise the generations are printed. A prompt longer than the model's context \
            keeps its end, leaving room for --max-new-tokens (but at least half the context), as \
            training rows are cut; its line says prompt_tokens_cut. Under mpirun prompt i is \
            generated on rank i mod R, and rank 0 writes them all.
            """)

    @Option(help: "Model folder.") var model: String
    @Option(help: "A prompt, used verbatim.") var prompt: String?
    @Option(help: "JSONL file of prompts (the training data format; responses are ignored).") var input: String?
    @Option(help: "Write results as JSONL here.") var output: String?
    @Option(help: "Most tokens to generate per prompt.") var maxNewTokens = 64
    @Flag(help: "Greedy decoding (ignores temperature, top-k, top-p).") var greedy = false
    @Option(help: "Sampling temperature (> 0).") var temperature: Float = 1
    @Option(help: "Sample only from the k most likely tokens; 0 keeps all.") var topK = 0
    @Option(help: "Sample only from the smallest set of tokens with probability ≥ p; 1 keeps all.") var topP: Float = 1
    @Option(help: "Seed for sampling.") var seed: UInt64 = 1234
    @Option(help: "Prompts decoded together as one batch.") var batchSize = 16
    @OptionGroup var tokenizerOption: TokenizerOption
    @OptionGroup var threadOptions: ThreadOptions

    func validate() throws {
        if (prompt == nil) == (input == nil) { throw ValidationError("give exactly one of --prompt TEXT and --input FILE.jsonl") }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
    }

    func run() throws {
        try WorldJob.run { communicator in
            try threadOptions.apply()
            let (model, tokenizer) = try ModelFolder.load(URL(fileURLWithPath: self.model), tokenizer: tokenizerOption.resolve())
            let positions = model.config.maxPositions
            let options = SamplingOptions(greedy: greedy, temperature: temperature, topK: topK, topP: topP, maxNewTokens: maxNewTokens, seed: seed)
            try options.validate(context: positions)
            let prompts = try self.prompts(tokenizer: tokenizer)
            let cuts = prompts.map { ContextCut(generating: $0.ids, maxNewTokens: maxNewTokens, positions: positions) }
            let line = ProgressLine(), phases = PhaseProgress(line)
            let rankZero = communicator.rank == 0
            if rankZero, let cut = cuts.first(where: \.isCut) {
                line.note(CutRowsNote.text(cut: cuts.filter(\.isCut).count, of: cuts.count, unit: "prompts", positions: positions,
                                           how: "each keeps its last \(cut.prompt.count) tokens, leaving room for --max-new-tokens"
                                               + (output == nil ? "" : " (prompt_tokens_cut in their lines of \(output!))")))
            }
            // As in `cpo eval`: prompt i on rank i mod R, with sample stream i, so the ranks change nothing.
            let byRank = RoundRobinShare(count: prompts.count, over: communicator)
            let unit = communicator.size > 1 ? "prompts on rank 0 of \(communicator.size)" : "prompts"
            let mine: [Continuation]
            do {
                mine = try Generator(model: model, endOfText: tokenizer.endOfText).generate(
                    prompts: cuts.map(\.prompt), items: byRank.items, options: options, batchSize: batchSize,
                    generated: { if rankZero { phases.update("generating", done: $0, of: byRank.items.count, unit: unit) } })
            } catch let error as NonFiniteLogitsError {
                guard let index = error.stream?.example, let input, let number = prompts[index].line else { throw error }
                throw InputLineError(file: input, line: number, reason: NonFiniteLogitsError(position: error.position))
            }
            let continuations = try byRank.gather(mine)
            if rankZero { try writeGenerations(prompts: prompts, cuts: cuts, continuations: continuations, tokenizer: tokenizer, line: line) }
            try communicator.barrier()
        }
    }

    /// The prompts as the model sees them, with the input line each came from (none for --prompt).
    private func prompts(tokenizer: some Tokenizer) throws -> [(text: String, ids: [Int32], line: Int?)] {
        if let prompt {
            if let reason = tokenizer.textUnavailable { throw DataError.invalidSetting(name: "prompt", reason: "is text, but \(reason); use --input with prompt_ids") }
            return [(prompt, tokenizer.encodePrompt(prompt), nil)]
        }
        return try InstructionFile.load(URL(fileURLWithPath: input!), tokenizer: tokenizer).map { example in
            (example.text?.prompt ?? tokenizer.decode(example.promptIDs), example.promptIDs, example.line)
        }
    }

    /// The generations as JSONL in --output, or printed after their prompts.
    private func writeGenerations(prompts: [(text: String, ids: [Int32], line: Int?)], cuts: [ContextCut], continuations: [Continuation],
                       tokenizer: some Tokenizer, line: ProgressLine) throws {
        var records: [String] = []
        for (prompt, (cut, continuation)) in zip(prompts, zip(cuts, continuations)) {
            let text = tokenizer.decode(continuation.tokens)
            guard output != nil else {
                line.result(prompt.text + text)
                if prompts.count > 1 { line.result("---") }
                continue
            }
            var record: [String: Any] = [
                "prompt": prompt.text, "generation": text, "generation_ids": continuation.tokens.map(Int.init),
                "logprob": Double(continuation.logProb), "ended_with_eos": continuation.endedWithEndOfText,
            ]
            if cut.isCut { record["prompt_tokens_cut"] = cut.promptTokensCut }
            records.append(String(decoding: try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]), as: UTF8.self))
        }
        if let output {
            try AtomicFile.write(Data((records.joined(separator: "\n") + "\n").utf8), to: URL(fileURLWithPath: output))
            line.result("wrote \(records.count) generations to \(output)")
        }
    }
}
