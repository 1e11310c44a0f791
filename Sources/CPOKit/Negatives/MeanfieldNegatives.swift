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
    /// Examples per forward pass of π_ref, which bounds its activations.
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
            let length = try forward(passRows.map { batch[$0] })
            // Each slot draws its positions first, then a token at each in increasing order from
            // π_ref's logits there: only those positions' logits are computed, once each.
            var edits: [Edit] = [], owners: [Int: [(edit: Int, t: Int)]] = [:]
            for (row, exampleIndex) in passRows.enumerated() {
                let example = batch[exampleIndex]
                let tokens = example.responseBody(endOfText: endOfText).count
                for index in slotsByExample[exampleIndex]! {
                    var random = slots[index].random(seed: seed, domain: .meanfield)
                    let chosen = WithoutReplacement.draw(Self.replacedCount(fraction: fraction, tokens: tokens), from: tokens, random: &random)
                    edits.append(Edit(slot: index, tokens: example.responseIDs, random: random))
                    for t in chosen.sorted() {
                        // Position p predicts token p + 1, so the prompt's last position predicts body[0].
                        owners[row * length + example.promptIDs.count - 1 + t, default: []].append((edits.count - 1, t))
                    }
                }
            }
            // In increasing order, a slot's positions (all in its row) come in increasing t.
            let positions = owners.keys.sorted()
            reference.withLogits(at: positions) { i, logits in
                for (e, t) in owners[positions[i]]! {
                    edits[e].tokens[t] = Self.draw(logits, excluding: edits[e].tokens[t], random: &edits[e].random)
                }
            }
            for edit in edits { negatives[edit.slot] = Negative(slot: slots[edit.slot], kind: kind, tokens: edit.tokens) }
        }
        return negatives.map { $0! }
    }

    /// A negative being made: the ground truth's tokens as edited so far, and its slot's draws.
    private struct Edit {
        let slot: Int
        var tokens: [Int32]
        var random: CounterRandom
    }

    /// Runs π_ref over each example's prompt and response body (its last token needs no prediction
    /// after it), right-padded to the returned length; causal attention keeps padding out of real
    /// positions.
    private func forward(_ examples: [InstructionExample]) throws -> Int {
        let sequences = examples.map { $0.promptIDs + $0.responseBody(endOfText: endOfText).dropLast() }
        let length = sequences.map(\.count).max()!
        var tokens = [Int32](repeating: endOfText, count: examples.count * length)
        for (row, sequence) in sequences.enumerated() {
            tokens.replaceSubrange(row * length ..< row * length + sequence.count, with: sequence)
        }
        try reference.forward(tokens: tokens, targets: [Int32](repeating: TrainingBatch.ignoredTarget, count: tokens.count),
                              batchSize: examples.count, length: length)
        return length
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
}
