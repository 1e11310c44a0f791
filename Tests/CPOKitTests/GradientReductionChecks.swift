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
    /// by block, the others reach `finish()` without one. Afterwards this rank's shard holds the
    /// sums of both passes, bit for bit what all-reducing the same additions gives (two ranks' sum
    /// has one rounding; these checks run on one and two ranks); every other element is zero, and
    /// no page outside the shard's pages is in memory.
    func reduceScatterKeepsTheSummedShardOnly(schedule: GradientReduction.Schedule, backwardRanks: Set<Int>,
                                              file: StaticString = #filePath, line: UInt = #line) throws {
        let count = layout.totalCount
        let gradients = FloatBuffer(count: count, pageBacked: true)
        let reduceScatter = GradientReduceScatter(gradients: gradients, blocks: blocks, communicator: communicator)
        let shard = reduceScatter.shard
        XCTAssertEqual(shard, RankShards(count: count, ranks: communicator.size).ranges[communicator.rank], file: file, line: line)
        let expected = FloatBuffer(count: count)
        func add(_ range: Range<Int>, pass: Int) { for i in range { gradients[i] += value(i, pass: pass) } }
        for pass in 0 ..< 2 {
            // What this pass sends from this rank: its new values, on top of the sums so far inside its shard.
            let contribution = FloatBuffer(count: count)
            for i in 0 ..< count { contribution[i] = (shard.contains(i) ? expected[i] : 0) + value(i, pass: pass) }
            try communicator.allReduceSum(contribution.buffer)
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
        }
        // Before any read: reading a handed-back page maps the zero page, which counts as resident.
        let page = gradients.pageLength
        let shardPages = shard.isEmpty ? 0 : (shard.upperBound - 1) / page - shard.lowerBound / page + 1
        XCTAssertLessThanOrEqual(gradients.residentBytes, shardPages * page * MemoryLayout<Float>.stride,
                                 "pages outside the shard are still in memory", file: file, line: line)
        let wrong = (0 ..< count).first { shard.contains($0) ? gradients[$0].bitPattern != expected[$0].bitPattern : gradients[$0] != 0 }
        XCTAssertNil(wrong, "element \(wrong ?? 0) of shard \(shard): \(wrong.map { gradients[$0] } ?? 0), expected \(wrong.map { expected[$0] } ?? 0)",
                     file: file, line: line)
    }
}
