import Foundation

/// MN: the ground truth with m = ⌈c·|y|⌉ of its tokens replaced, where |y| counts the response
/// tokens before its end-of-text (which stays). The m positions are uniform without replacement;
/// at each chosen t the new token is drawn from π_ref(·|x, y<t) with y[t] itself excluded, so
/// the negative differs from the truth in exactly those m positions.
///
/// The distributions come from one teacher-forced forward pass of π_ref over (x, y) per example,
/// however many slots share it, with up to `rowsPerPass` examples per pass. A response with no
/// token before its end-of-text cannot be changed and is an error.
public struct MeanfieldNegatives: NegativeMaker {
    public let reference: any LanguageModel
    /// c, in (0, 1].
    public let fraction: Double
    public let seed: UInt64
    public let endOfText: Int32
    /// Bounds the logits of a pass, rows × positions × vocabulary floats.
    public let rowsPerPass: Int
    public var kind: NegativeKind { .mn }

    public init(reference: any LanguageModel, fraction: Double = 0.25, seed: UInt64, endOfText: Int32, rowsPerPass: Int = 8) throws {
        guard fraction > 0 && fraction <= 1 else {
            throw OptionError(option: "meanfield-fraction", value: "\(fraction)", allowed: "a number in (0, 1]: the share of response tokens replaced")
        }
        precondition(rowsPerPass >= 1, "a forward pass needs at least one row")
        self.reference = reference
        self.fraction = fraction
        self.seed = seed
        self.endOfText = endOfText
        self.rowsPerPass = rowsPerPass
    }

    /// ⌈c·n⌉, forgiving the rounding of c·n in binary (0.1 · 30 is 3.0000000000000004, and means 3).
    static func replacedCount(fraction: Double, tokens: Int) -> Int {
        min(tokens, max(1, Int((fraction * Double(tokens) * (1 - 1e-12)).rounded(.up))))
    }

    public func make(for slots: [NegativeSlot], in batch: [InstructionExample]) throws -> [Negative] {
        var slotsByExample: [Int: [Int]] = [:]
        for (index, slot) in slots.enumerated() {
            let example = try slot.checkedExample(in: batch)
            let body = example.responseBody(endOfText: endOfText)
            guard !body.isEmpty else { throw NegativeError.responseTooShort(kind, line: example.line, tokens: 0, needed: 1) }
            let positions = example.promptIDs.count + body.count - 1
            guard positions <= reference.config.maxPositions else {
                throw NegativeError.tooLongForContext(kind, line: example.line, tokens: positions, context: reference.config.maxPositions)
            }
            slotsByExample[slot.example, default: []].append(index)
        }
        var negatives = [Negative?](repeating: nil, count: slots.count)
        let rows = slotsByExample.keys.sorted()
        for start in stride(from: 0, to: rows.count, by: rowsPerPass) {
            let passRows = Array(rows[start ..< min(start + rowsPerPass, rows.count)])
            let logits = try forward(passRows.map { batch[$0] })
            for (row, exampleIndex) in passRows.enumerated() {
                for index in slotsByExample[exampleIndex]! {
                    negatives[index] = replace(in: batch[exampleIndex], slot: slots[index], logits: logits, row: row)
                }
            }
        }
        return negatives.map { $0! }
    }

    /// π_ref's logits over each example's prompt and response body (its last token needs no
    /// prediction after it), right-padded; causal attention keeps padding out of real positions.
    private func forward(_ examples: [InstructionExample]) throws -> PassLogits {
        let sequences = examples.map { $0.promptIDs + $0.responseBody(endOfText: endOfText).dropLast() }
        let length = sequences.map(\.count).max()!
        var tokens = [Int32](repeating: endOfText, count: examples.count * length)
        for (row, sequence) in sequences.enumerated() {
            tokens.replaceSubrange(row * length ..< row * length + sequence.count, with: sequence)
        }
        try reference.forward(tokens: tokens, targets: [Int32](repeating: TrainingBatch.ignoredTarget, count: tokens.count),
                              batchSize: examples.count, length: length)
        return PassLogits(values: reference.logits, length: length, vocabulary: reference.config.vocabularySize)
    }

    private func replace(in example: InstructionExample, slot: NegativeSlot, logits: PassLogits, row: Int) -> Negative {
        let body = example.responseBody(endOfText: endOfText)
        var tokens = example.responseIDs
        var random = slot.random(seed: seed, domain: .meanfield)
        let chosen = WithoutReplacement.draw(Self.replacedCount(fraction: fraction, tokens: body.count), from: body.count, random: &random)
        for t in chosen.sorted() {
            // Position p predicts token p + 1, so the prompt's last position predicts body[0].
            tokens[t] = Self.draw(logits.at(row: row, position: example.promptIDs.count - 1 + t), excluding: tokens[t], random: &random)
        }
        return Negative(slot: slot, kind: kind, tokens: tokens)
    }

    /// A token from softmax(logits) renormalised without `excluded`.
    private static func draw(_ logits: UnsafeBufferPointer<Float>, excluding excluded: Int32, random: inout CounterRandom) -> Int32 {
        let skip = Int(excluded)
        var maximum = -Float.infinity
        for (token, logit) in logits.enumerated() where token != skip { maximum = max(maximum, logit) }
        var total = 0.0
        for (token, logit) in logits.enumerated() where token != skip { total += Double(exp(logit - maximum)) }
        let target = random.nextUniformDouble() * total
        var cumulative = 0.0
        var last = skip
        for (token, logit) in logits.enumerated() where token != skip {
            cumulative += Double(exp(logit - maximum))
            last = token
            if cumulative > target { break }
        }
        return Int32(last)
    }

    /// The logits of one pass, [rows, length, V], valid until the model's next pass.
    private struct PassLogits {
        let values: UnsafeBufferPointer<Float>
        let length: Int
        let vocabulary: Int

        func at(row: Int, position: Int) -> UnsafeBufferPointer<Float> {
            let start = (row * length + position) * vocabulary
            return UnsafeBufferPointer(rebasing: values[start ..< start + vocabulary])
        }
    }
}
