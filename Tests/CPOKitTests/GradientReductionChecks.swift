import Foundation
import XCTest
@testable import CPOKit

/// The overlapped gradient all-reduce against the blocking one, on a buffer laid out like a tiny
/// GPT-2's gradients, in whatever world `communicator` spans (`CommunicatorMPITests` runs them in
/// a world of one and, from `CommunicatorTwoRankTests`, in two ranks).
struct GradientReductionChecks {
    let communicator: MPICommunicator
    let layout: TensorLayout
    let blocks: [Range<Int>]

    init(communicator: MPICommunicator) throws {
        let config = try GPT2Config.preset("tiny", vocabularySize: 97)
        self.communicator = communicator
        layout = GPT2Tensors.layout(config)
        blocks = GPT2Tensors.blockRanges(layout, layers: config.layers)
    }

    /// Rank-dependent values whose sums round, so a different summation would show in the bits.
    private func value(_ index: Int, pass: Int = 0) -> Float {
        Float(sin(Double(index) * 0.37 + Double(communicator.rank) + 1.3 * Double(pass))) * Float(communicator.rank + 1) / 3
    }

    private func fill(_ buffer: FloatBuffer, _ range: Range<Int>) {
        for index in range { buffer[index] = value(index) }
    }

    /// Blocks L−1 … 0, then the rest of the buffer, each in buckets of at most the bucket size.
    func bucketsFollowTheBackwardPass(file: StaticString = #filePath, line: UInt = #line) {
        let buffer = FloatBuffer(count: layout.totalCount)
        let reduction = GradientReduction(gradients: buffer.buffer, blocks: blocks, communicator: communicator)
        defer { try? reduction.finish() }
        let length = communicator.bucketBytes / MemoryLayout<Float>.stride
        XCTAssertTrue(reduction.buckets.allSatisfy { !$0.isEmpty && $0.count <= length }, file: file, line: line)
        let covered = reduction.buckets.flatMap { Array($0) }
        let blockOrder = blocks.reversed().flatMap { Array($0) }
        XCTAssertEqual(Array(covered.prefix(blockOrder.count)), blockOrder, file: file, line: line)
        XCTAssertEqual(covered.sorted(), Array(0..<layout.totalCount), "every element exactly once", file: file, line: line)
        XCTAssertEqual(blocks.first?.lowerBound, layout[GPT2Tensors.blockName(0, .norm1Weight)]!.offset, file: file, line: line)
    }

    /// The gradients are written block by block as a backward pass writes them, the rest last, while
    /// finished blocks are summed; `backwardRanks` are the ranks that run that backward pass at all
    /// (the others reach `finish()` without one). The sums must equal the blocking all-reduce's bit
    /// for bit.
    func overlappedSumsMatchTheBlockingAllReduce(backwardRanks: Set<Int>, file: StaticString = #filePath, line: UInt = #line) throws {
        let expected = FloatBuffer(count: layout.totalCount)
        fill(expected, 0..<layout.totalCount)
        try communicator.allReduceSum(expected.buffer)

        let gradients = FloatBuffer(count: layout.totalCount)
        let reduction = GradientReduction(gradients: gradients.buffer, blocks: blocks, communicator: communicator)
        if backwardRanks.contains(communicator.rank) {
            for layer in blocks.indices.reversed() {
                fill(gradients, blocks[layer])
                reduction.blockFinished(layer)
            }
            fill(gradients, 0..<blocks[0].lowerBound)
            fill(gradients, blocks[blocks.count - 1].upperBound..<layout.totalCount)
        } else {
            fill(gradients, 0..<layout.totalCount)
        }
        try reduction.finish()
        let mismatch = (0..<layout.totalCount).first { gradients[$0].bitPattern != expected[$0].bitPattern }
        XCTAssertNil(mismatch, "element \(mismatch ?? 0): \(mismatch.map { gradients[$0] } ?? 0) ≠ \(mismatch.map { expected[$0] } ?? 0)",
                     file: file, line: line)
    }

    /// ZeRO stage 2 over two backward passes (micro-batches), each written as a backward pass
    /// writes it, adding to the buffer, and reduce-scattered; `backwardRanks` run the passes block
    /// by block, the others reach `finish()` without one. After each pass this rank's shard holds
    /// what all-reducing the same additions gives (the shard's sums so far plus every rank's new
    /// values): bit for bit on one or two
    /// ranks (a sum of two values has one rounding), and on more within what two orders of a sum of
    /// R terms may differ by, 2·γ(R−1)·Σ|term| with γ(k) = k·u/(1 − k·u), u = 2⁻²⁴ (Higham §3.1;
    /// MPI may reduce-scatter and all-reduce in other orders). Every other element is zero, and no
    /// page outside the shard's pages is in memory.
    func reduceScatterKeepsTheSummedShardOnly(schedule: GradientReduction.Schedule, backwardRanks: Set<Int>,
                                              file: StaticString = #filePath, line: UInt = #line) throws {
        let count = layout.totalCount
        let gradients = FloatBuffer(count: count, pageBacked: true)
        let reduceScatter = GradientReduceScatter(gradients: gradients, blocks: blocks, communicator: communicator)
        let shard = reduceScatter.shard
        XCTAssertEqual(shard, RankShards(count: count, ranks: communicator.size).ranges[communicator.rank], file: file, line: line)
        // The reference sums go in the default buckets: they need not be cut small, and over TCP many small ones are slow.
        let whole = try MPICommunicator.world()
        let expected = FloatBuffer(count: count)
        var magnitudes = [Double](repeating: 0, count: count)
        func add(_ range: Range<Int>, pass: Int) { for i in range { gradients[i] += value(i, pass: pass) } }
        for pass in 0 ..< 2 {
            // What this pass sends from this rank: its new values, on top of what the shard holds so far.
            let contribution = FloatBuffer(count: count)
            for i in 0 ..< count { contribution[i] = (shard.contains(i) ? gradients[i] : 0) + value(i, pass: pass) }
            if communicator.size > 2 {
                magnitudes = (0 ..< count).map { Double(abs(contribution[$0])) }
                try magnitudes.withUnsafeMutableBufferPointer { try whole.allReduceSum($0) }
            }
            try whole.allReduceSum(contribution.buffer)
            expected.copy(from: contribution)

            let reduction = reduceScatter.reduction(schedule: schedule)
            if backwardRanks.contains(communicator.rank) {
                for layer in blocks.indices.reversed() {
                    add(blocks[layer], pass: pass)
                    reduction.blockFinished(layer)
                }
                add(0 ..< blocks[0].lowerBound, pass: pass)
                add(blocks[blocks.count - 1].upperBound ..< count, pass: pass)
            } else {
                add(0 ..< count, pass: pass)
            }
            try reduction.finish()

            // Before any read: reading a handed-back page maps the zero page, which counts as resident.
            let page = gradients.pageLength
            let shardPages = shard.isEmpty ? 0 : (shard.upperBound - 1) / page - shard.lowerBound / page + 1
            XCTAssertLessThanOrEqual(gradients.residentBytes, shardPages * page * MemoryLayout<Float>.stride,
                                     "pass \(pass): pages outside the shard are still in memory", file: file, line: line)
            let u = 0x1p-24, terms = Double(communicator.size - 1), gamma = terms * u / (1 - terms * u)
            func agrees(_ i: Int) -> Bool {
                communicator.size <= 2 ? gradients[i].bitPattern == expected[i].bitPattern
                    : abs(Double(gradients[i]) - Double(expected[i])) <= 2 * gamma * magnitudes[i]
            }
            let wrong = (0 ..< count).first { shard.contains($0) ? !agrees($0) : gradients[$0] != 0 }
            XCTAssertNil(wrong, "pass \(pass), element \(wrong ?? 0) of shard \(shard): \(wrong.map { gradients[$0] } ?? 0), "
                             + "expected \(wrong.map { expected[$0] } ?? 0)", file: file, line: line)
        }
    }
}
