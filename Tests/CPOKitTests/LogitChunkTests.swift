import XCTest
@testable import CPOKit

/// The LM head runs over the scored rows in chunks (`LanguageModelHead`); these hold every chunking
/// to the pass with all rows in one chunk, which does what the head did before it was chunked.
///
/// Chunking changes no row's arithmetic of our own, only which rows share a matrix product and how
/// the head weight's gradient is grouped: that gradient is a sum over rows, and a chunked pass adds
/// it chunk by chunk. A product of fewer rows may run another kernel (ours below 65 rows, sgemm
/// above) or another sgemm blocking — OpenBLAS's Haswell (AVX2) kernels change a row's last bits
/// with the call's row count, its SkylakeX ones do not above their small-matrix sizes (measured on
/// this machine) — so each entry of the logits (a sum over C channels), of the hidden states'
/// gradient (over V tokens) and of the head weight's gradient (over the rows) is the same sum in
/// another order, and the blocks below see those last bits. Reordering a sum of n terms of mixed
/// signs moves it by ~√n·2⁻²⁴ of its terms' size (`SummationOrder`; for these n ≤ 97, ≤ 6·10⁻⁷),
/// so each tensor is held to 10⁻⁶ of its largest entry, the bound issue 12 sets for chunking.
/// Measured on both kernels: nll and logits within 3.4·10⁻⁷, gradients within 6.2·10⁻⁷ (the first
/// layer's, after two layers of such differences). A misplaced, dropped or doubled row moves a
/// tensor by a sizeable fraction of its scale.
final class LogitChunkTests: XCTestCase {
    static let tolerance: Float = 1e-6

    /// A batch with masked targets between scored ones, so chunks gather rows that are not
    /// consecutive, and one sequence masked entirely.
    private func batch(vocabulary: Int) -> (tokens: [Int32], targets: [Int32], batchSize: Int, length: Int) {
        let (batchSize, length) = (4, 30)
        let tokens = (0 ..< batchSize * length).map { Int32($0 * 31 % vocabulary) }
        let targets = (0 ..< batchSize * length).map { i -> Int32 in
            i % 7 == 0 || i % 30 < 4 || i / 30 == 2 ? -1 : Int32(i * 13 % vocabulary)
        }
        return (tokens, targets, batchSize, length)
    }

    /// nll, the logits of every position and the gradients of a mean cross-entropy pass.
    private func pass(_ model: any LanguageModel, chunkRows: Int, fused: Bool) throws -> (nll: [Float], logits: [Float], gradients: [Float]) {
        let b = batch(vocabulary: model.config.vocabularySize)
        model.logitChunkRows = chunkRows
        model.gradients.zero()
        if fused {
            try model.forwardMeanCrossEntropy(tokens: b.tokens, targets: b.targets, batchSize: b.batchSize, length: b.length)
        } else {
            try model.forward(tokens: b.tokens, targets: b.targets, batchSize: b.batchSize, length: b.length)
        }
        let nll = Array(model.nll)
        model.backwardMeanCrossEntropy()
        return (nll, model.logits(at: Array(0 ..< model.lastPassPositions)), model.gradients.toArray())
    }

    private func models() throws -> [(String, any LanguageModel)] {
        let untiedLlama = try LlamaConfig(vocabularySize: 61, hiddenSize: 32, intermediateSize: 40, layers: 2, heads: 4, keyValueHeads: 2,
                                          maxPositions: 64, tieWordEmbeddings: false, initializerRange: 0.2)
        return [("gpt2", try GPT2(config: GPT2Config.preset("tiny", vocabularySize: 97), seed: 3)),
                ("llama", Llama(config: untiedLlama, seed: 5))]
    }

    /// Chunks of one row, of a few and two of 33 rows (products the few-row kernels take), against
    /// one chunk of all 66 scored rows (sgemm).
    func testEveryChunkingGivesTheNLLLogitsAndGradientsOfOneChunk() throws {
        for (name, model) in try models() {
            let whole = try pass(model, chunkRows: 1000, fused: false)
            let scored = batch(vocabulary: model.config.vocabularySize).targets.filter { $0 >= 0 }.count
            XCTAssertEqual(scored, 66)
            XCTAssertEqual(whole.nll.filter { $0 != 0 }.count, scored, "\(name): every scored row has an nll")
            for chunkRows in [1, 5, 40] {
                let chunked = try pass(model, chunkRows: chunkRows, fused: false)
                let what = "\(name), chunks of \(chunkRows)"
                SummationOrder.assertAgree(chunked.nll, whole.nll, tolerance: Self.tolerance, "\(what): nll")
                SummationOrder.assertAgree(chunked.logits, whole.logits, tolerance: Self.tolerance, "\(what): logits")
                SummationOrder.assertAgree(chunked.gradients, whole.gradients, layout: model.layout, tolerance: Self.tolerance, "\(what): gradient")
            }
        }
    }

    /// Given the loss weights up front, the forward pass takes the head's gradient with the same
    /// calls on the same numbers as the backward pass would: bitwise the same gradients.
    func testTheHeadGradientTakenInTheForwardPassIsTheBackwardPasses() throws {
        for (name, model) in try models() {
            for chunkRows in [5, 1000] {
                let later = try pass(model, chunkRows: chunkRows, fused: false), now = try pass(model, chunkRows: chunkRows, fused: true)
                XCTAssertEqual(now.nll, later.nll, "\(name), chunks of \(chunkRows): nll")
                XCTAssertEqual(now.gradients, later.gradients, "\(name), chunks of \(chunkRows): gradients")
            }
        }
    }

    /// The logits `withLogits` computes for a position are the ones its nll came from, in the order
    /// asked, repeats and runs of consecutive positions included; products of at most 64 rows run
    /// our own kernel, whose rows do not depend on each other, so one position alone gives the
    /// same bits.
    func testLogitsOfChosenPositionsGiveTheirNLL() throws {
        let model = try GPT2(config: GPT2Config.preset("tiny", vocabularySize: 97), seed: 3)
        let b = batch(vocabulary: 97)
        model.logitChunkRows = 4
        try model.forward(tokens: b.tokens, targets: b.targets, batchSize: b.batchSize, length: b.length)
        let positions = [40, 40, 42, 43, 95, 3, 119, 8, 77, 1, 50, 51, 52, 53]
        var seen: [Int] = [], logits: [[Float]] = []
        model.withLogits(at: positions) { index, row in
            seen.append(index)
            logits.append(Array(row))
        }
        XCTAssertEqual(seen, Array(positions.indices))
        for (position, row) in zip(positions, logits) {
            XCTAssertEqual(row, model.logits(at: [position]), "position \(position)")
            let target = b.targets[position]
            guard target >= 0 else { continue }
            let maximum = Double(row.max()!)
            let logSumExp = maximum + log(row.reduce(0.0) { $0 + exp(Double($1) - maximum) })
            XCTAssertEqual(logSumExp - Double(row[Int(target)]), Double(model.nll[position]), accuracy: 1e-5, "position \(position)")
        }
    }
}
