@testable import CPOKit

/// Tiny models and global batches shared by the negative tests.
enum NegativeFixtures {
    static let endOfText: Int32 = 256

    /// A larger `initializerRange` gives peakier next-token distributions than GPT-2's 0.02.
    static func model(seed: UInt64 = 11, initializerRange: Double = 0.02) throws -> GPT2 {
        try GPT2(config: GPT2Config(vocabularySize: 257, maxPositions: 64, channels: 32, layers: 1, heads: 4,
                                    initializerRange: initializerRange), seed: seed)
    }

    /// `count` examples with prompts of 3–8 tokens and responses of 2–12 tokens plus end-of-text;
    /// a response starts with its example's index, so responses are distinct. Each example has
    /// `fileNegatives` distinct negatives, each starting with 200 + its index.
    static func batch(count: Int, fileNegatives: Int = 0, seed: UInt64 = 3) -> [InstructionExample] {
        (0..<count).map { index in
            var random = CounterRandom(seed: seed, domain: .synthesis, example: index)
            func tokens(_ lengths: ClosedRange<Int>) -> [Int32] {
                (0..<Int.random(in: lengths, using: &random)).map { _ in Int32.random(in: 0..<256, using: &random) }
            }
            let negatives = (0..<fileNegatives).map { [Int32(200 + $0)] + tokens(0...5) + [endOfText] }
            return InstructionExample(promptIDs: tokens(3...8), responseIDs: [Int32(index)] + tokens(1...11) + [endOfText],
                                      negativeIDs: negatives, line: index + 1)
        }
    }

    static func example(prompt: [Int32], response: [Int32], line: Int = 1) -> InstructionExample {
        InstructionExample(promptIDs: prompt, responseIDs: response, line: line)
    }
}
