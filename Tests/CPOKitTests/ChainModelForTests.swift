import Foundation
@testable import CPOKit

/// A GPT-2 whose greedy continuation is known: every block is zero (so the residual stream is the
/// token embedding alone) and the tied embedding makes the last prompt token `start` predict
/// `answer`, and `answer` predict end-of-text. With the prompt template, which ends in "\n", the
/// model answers `answer` to every prompt.
enum ChainModelForTests {
    static let config = GPT2Config(vocabularySize: 257, maxPositions: 96, channels: 8, layers: 1, heads: 2)

    static func model(answer: Character, start: Character = "\n") throws -> GPT2 {
        let model = try GPT2(config: config, seed: 1)
        model.parameters.zero()
        model.layout.view("transformer.ln_f.weight", in: model.parameters).update(repeating: 1)
        let embedding = model.layout.view("transformer.wte.weight", in: model.parameters)
        func set(_ character: Character, _ row: [Float]) {
            let offset = Int(character.asciiValue!) * config.channels
            for (i, value) in row.enumerated() { embedding[offset + i] = value }
        }
        func set(endOfText row: [Float]) {
            for (i, value) in row.enumerated() { embedding[256 * config.channels + i] = value }
        }
        // Zero-mean rows, so the final LayerNorm only rescales them: start·answer beats start·start,
        // and answer·end-of-text beats answer·answer.
        set(start, [1, -1, 0, 0, 0, 0, 0, 0])
        set(answer, [2, -2, 3, -3, 0, 0, 0, 0])
        set(endOfText: [0, 0, 10, -10, 0, 0, 0, 0])
        return model
    }

    /// Writes the model as a model folder with the byte tokenizer.
    static func write(answer: Character, to folder: URL) throws {
        let model = try model(answer: answer)
        try CheckpointFolder(url: folder).write(config: model.config, layout: model.layout, parameters: model.parameters, tokenizer: ByteTokenizer())
    }

    /// A data file of `sort` prompts and (possibly wrong) references.
    static func writeData(_ lines: [(prompt: String, reference: String)], to url: URL) throws {
        let text = try lines.map { line in
            String(decoding: try JSONSerialization.data(withJSONObject: ["prompt": line.prompt, "response": line.reference], options: [.sortedKeys]),
                   as: UTF8.self)
        }.joined(separator: "\n")
        try Data((text + "\n").utf8).write(to: url)
    }
}
