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
            log-prob); otherwise the generations are printed.
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
        try threadOptions.apply()
        let (model, tokenizer) = try ModelFolder.load(URL(fileURLWithPath: self.model), tokenizer: tokenizerOption.resolve())
        let options = SamplingOptions(greedy: greedy, temperature: temperature, topK: topK, topP: topP, maxNewTokens: maxNewTokens, seed: seed)
        try options.validate(context: model.config.maxPositions)
        let prompts: [(text: String, ids: [Int32])]
        if let prompt {
            if let reason = tokenizer.textUnavailable { throw DataError.invalidSetting(name: "prompt", reason: "is text, but \(reason); use --input with prompt_ids") }
            prompts = [(prompt, tokenizer.encodePrompt(prompt))]
        } else {
            prompts = try InstructionFile.load(URL(fileURLWithPath: input!), tokenizer: tokenizer).map { example in
                (example.text?.prompt ?? tokenizer.decode(example.promptIDs),
                 example.promptIDs)
            }
        }
        let generator = Generator(model: model, endOfText: tokenizer.endOfText)
        var lines: [String] = []
        for start in stride(from: 0, to: prompts.count, by: batchSize) {
            let chunk = Array(prompts[start ..< min(start + batchSize, prompts.count)])
            let continuations = try generator.generate(prompts: chunk.map(\.ids), options: options, streams: (start ..< start + chunk.count).map { SampleStream(example: $0) })
            for (prompt, continuation) in zip(chunk, continuations) {
                let text = tokenizer.decode(continuation.tokens)
                if output == nil {
                    print(prompt.text + text)
                    if prompts.count > 1 { print("---") }
                } else {
                    let record: [String: Any] = [
                        "prompt": prompt.text, "generation": text, "generation_ids": continuation.tokens.map(Int.init),
                        "logprob": Double(continuation.logProb), "ended_with_eos": continuation.endedWithEndOfText,
                    ]
                    lines.append(String(decoding: try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]), as: UTF8.self))
                }
            }
        }
        if let output {
            try AtomicFile.write(Data((lines.joined(separator: "\n") + "\n").utf8), to: URL(fileURLWithPath: output))
        }
    }
}
