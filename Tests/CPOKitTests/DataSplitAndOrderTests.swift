import Foundation
import XCTest
@testable import CPOKit

final class DataSplitAndOrderTests: XCTestCase {
    func testSplitIsDisjointCompleteAndSized() throws {
        for size in [HeldOutSplit.Size.fraction(0.1), .fraction(0.25), .count(7), .count(0)] {
            let split = try HeldOutSplit(exampleCount: 40, heldOut: size, seed: 3)
            XCTAssertTrue(Set(split.train).isDisjoint(with: split.heldOut), "\(size)")
            XCTAssertEqual((split.train + split.heldOut).sorted(), Array(0..<40), "\(size)")
            XCTAssertEqual(split.train, split.train.sorted())
            XCTAssertEqual(split.heldOut, split.heldOut.sorted())
        }
        XCTAssertEqual(try HeldOutSplit(exampleCount: 40, heldOut: .fraction(0.1), seed: 3).heldOut.count, 4)
        XCTAssertEqual(try HeldOutSplit(exampleCount: 10, heldOut: .fraction(0.25), seed: 3).heldOut.count, 3)
        XCTAssertEqual(try HeldOutSplit(exampleCount: 40, heldOut: .count(7), seed: 3).heldOut.count, 7)
    }

    func testSplitDependsOnTheSeedOnly() throws {
        let first = try HeldOutSplit(exampleCount: 100, heldOut: .count(10), seed: 11)
        XCTAssertEqual(try HeldOutSplit(exampleCount: 100, heldOut: .count(10), seed: 11), first)
        XCTAssertEqual(try HeldOutSplit(exampleCount: 100, heldOut: .fraction(0.1), seed: 11), first)
        XCTAssertNotEqual(try HeldOutSplit(exampleCount: 100, heldOut: .count(10), seed: 12).heldOut, first.heldOut)
        XCTAssertNotEqual(first.heldOut, Array(0..<10), "held-out examples are drawn at random, not taken from the front")
    }

    func testLargerHeldOutSetKeepsTheSmallerOne() throws {
        let small = try HeldOutSplit(exampleCount: 50, heldOut: .count(5), seed: 2)
        let large = try HeldOutSplit(exampleCount: 50, heldOut: .count(20), seed: 2)
        XCTAssertTrue(Set(small.heldOut).isSubset(of: large.heldOut))
    }

    func testSplitThatLeavesNothingToTrainOnIsAnError() {
        for size in [HeldOutSplit.Size.fraction(1), .fraction(-0.1), .fraction(.nan), .count(10), .count(-1)] {
            XCTAssertThrowsError(try HeldOutSplit(exampleCount: 10, heldOut: size, seed: 1), "\(size)") { error in
                guard case .invalidSetting = error as? DataError else { return XCTFail("unexpected error \(error)") }
            }
        }
    }

    func testEachEpochVisitsEveryMemberOnceInASeededOrder() {
        let members = Array(stride(from: 3, to: 63, by: 3))
        let epoch0 = DataOrder.epochOrder(of: members, seed: 5, epoch: 0)
        let epoch1 = DataOrder.epochOrder(of: members, seed: 5, epoch: 1)
        XCTAssertEqual(epoch0.sorted(), members)
        XCTAssertEqual(epoch1.sorted(), members)
        XCTAssertNotEqual(epoch0, epoch1)
        XCTAssertNotEqual(epoch0, members)
        XCTAssertEqual(DataOrder.epochOrder(of: members, seed: 5, epoch: 1), epoch1)
        XCTAssertNotEqual(DataOrder.epochOrder(of: members, seed: 6, epoch: 1), epoch1)
    }

    func testBatchesRunOnAcrossEpochEnds() throws {
        let members = Array(0..<10)
        var order = try DataOrder(members: members, seed: 9)
        let batches = (0..<5).map { _ in order.nextBatch(size: 4) }
        let stream = DataOrder.epochOrder(of: members, seed: 9, epoch: 0) + DataOrder.epochOrder(of: members, seed: 9, epoch: 1)
        XCTAssertEqual(batches.flatMap { $0 }, stream)
        XCTAssertEqual(order.cursor, DataCursor(epoch: 2, position: 0))
        var small = try DataOrder(members: [7, 8], seed: 9)
        let epochs = (0..<3).map { DataOrder.epochOrder(of: [7, 8], seed: 9, epoch: $0) }
        XCTAssertEqual(small.nextBatch(size: 5), epochs[0] + epochs[1] + epochs[2].prefix(1))
        XCTAssertEqual(small.cursor, DataCursor(epoch: 2, position: 1))
    }

    func testResumingFromASavedCursorContinuesWithExactlyTheNextBatch() throws {
        let members = Array(0..<13)
        var uninterrupted = try DataOrder(members: members, seed: 21)
        let expected = (0..<9).map { _ in uninterrupted.nextBatch(size: 5) }

        var interrupted = try DataOrder(members: members, seed: 21)
        let before = (0..<4).map { _ in interrupted.nextBatch(size: 5) }
        let saved = try JSONEncoder().encode(interrupted.cursor)
        let cursor = try JSONDecoder().decode(DataCursor.self, from: saved)
        XCTAssertEqual(cursor, DataCursor(epoch: 1, position: 7))
        var resumed = try DataOrder(members: members, seed: 21, cursor: cursor)
        let after = (0..<5).map { _ in resumed.nextBatch(size: 5) }
        XCTAssertEqual(before + after, expected)
    }

    func testCursorAtAnEpochEndStartsTheNextEpoch() throws {
        var order = try DataOrder(members: Array(0..<6), seed: 4, cursor: DataCursor(epoch: 2, position: 6))
        XCTAssertEqual(order.cursor, DataCursor(epoch: 3, position: 0))
        XCTAssertEqual(order.nextBatch(size: 6), DataOrder.epochOrder(of: Array(0..<6), seed: 4, epoch: 3))
    }

    func testCursorOutsideTheDataAndEmptyDataAreErrors() {
        for cursor in [DataCursor(epoch: 0, position: 7), DataCursor(epoch: -1, position: 0), DataCursor(epoch: 0, position: -1)] {
            XCTAssertThrowsError(try DataOrder(members: Array(0..<6), seed: 4, cursor: cursor), "\(cursor)") { error in
                guard case let .invalidSetting(name, _) = error as? DataError else { return XCTFail("unexpected error \(error)") }
                XCTAssertEqual(name, "data cursor")
            }
        }
        XCTAssertThrowsError(try DataOrder(members: [], seed: 4)) { error in
            guard case .invalidSetting = error as? DataError else { return XCTFail("unexpected error \(error)") }
        }
    }
}
