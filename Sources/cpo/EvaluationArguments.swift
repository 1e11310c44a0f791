import ArgumentParser
import CPOKit
import Foundation

/// The held-out data and how the model continues it, shared by `eval` and `sweep-alpha`.
struct EvaluationArguments: ParsableArguments {
    @Option(help: "Held-out instruction JSONL (the training data format); each line's response is the reference.")
    var data: String
    @Option(help: "Evaluate only the first N prompts.") var limit: Int?
    @Flag(inversion: .prefixedNo, help: "Greedy decoding; --no-greedy samples with --temperature, --top-k, --top-p.")
    var greedy = true
    @Option(help: "Sampling temperature (> 0; default 1).") var temperature: Float?
    @Option(help: "Sample only from the k most likely tokens; 0 keeps all (default).") var topK: Int?
    @Option(help: "Sample only from the smallest set of tokens with probability ≥ p; 1 keeps all (default).") var topP: Float?
    @Option(help: "Most tokens to generate per prompt (default: the longest reference + 8).") var maxNewTokens: Int?
    @Option(help: "Seed for sampling.") var seed: UInt64 = 1234
    @Option(help: "Prompts decoded together on each rank.") var batchSize = 16

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, got \(limit)") }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        if greedy && (temperature != nil || topK != nil || topP != nil) {
            throw ValidationError("--temperature, --top-k and --top-p apply to sampling: add --no-greedy")
        }
    }

    func examples(tokenizer: some Tokenizer) throws -> [EvaluationExample] {
        try EvaluationExample.load(URL(fileURLWithPath: data), tokenizer: tokenizer, limit: limit)
    }

    /// `context`: the model's positions, which bound the default length.
    func options(for examples: [EvaluationExample], context: Int) -> EvaluationOptions {
        let sampling = SamplingOptions(greedy: greedy, temperature: temperature ?? 1, topK: topK ?? 0, topP: topP ?? 1,
                                       maxNewTokens: maxNewTokens ?? Evaluation.defaultMaxNewTokens(examples, context: context), seed: seed)
        return EvaluationOptions(sampling: sampling, batchSize: batchSize)
    }
}
