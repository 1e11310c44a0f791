import ArgumentParser
import CPOKit

/// The model a benchmark builds: a preset with random weights, shared by every `cpo bench`.
struct BenchModelOptions: ParsableArguments {
    @Option(help: "Model preset: \(ModelRegistry.presetNames.joined(separator: ", ")).") var preset = "gpt2-124m"
    @Option(help: "Vocabulary size (default: 50257 for gpt2-124m, 257 otherwise).") var vocabularySize: Int?

    func config() throws -> any ModelConfig {
        try ModelRegistry.preset(preset, vocabularySize: vocabularySize ?? (preset == "gpt2-124m" ? 50257 : 257))
    }
}
