import ArgumentParser
import CPOKit

/// The model a benchmark builds: a preset with random weights, shared by every `cpo bench`.
struct BenchModelOptions: ParsableArguments {
    @Option(help: "Model preset: \(ModelRegistry.presetNames.joined(separator: ", ")).") var preset = "gpt2-124m"
    @Option(help: "Vocabulary size (default: the preset's tokenizer's, e.g. 50257 for gpt2-124m, 49152 for smollm2-135m, 257 for tiny and small).") var vocabularySize: Int?

    func config() throws -> any ModelConfig {
        try ModelRegistry.preset(preset, vocabularySize: vocabularySize)
    }
}
