import ArgumentParser
import CPOKit

/// The model a benchmark builds: a preset with random weights, shared by every `cpo bench`.
struct BenchModelOptions: ParsableArguments {
    @Option(help: "Model preset: \(ModelRegistry.presetNames.joined(separator: ", ")).") var preset = "gpt2-124m"
    @Option(help: "Vocabulary size (default: the released model's for gpt2-124m, smollm2-135m and llama3.2-1b, 257 otherwise).")
    var vocabularySize: Int?

    func config() throws -> any ModelConfig {
        let released = preset == "gpt2-124m" ? 50257 : LlamaConfig.releasedVocabularySizes[preset]
        return try ModelRegistry.preset(preset, vocabularySize: vocabularySize ?? released ?? 257)
    }
}
