import XCTest
@testable import CPOKit

/// The all-reduce benchmark's figures; `LaunchTests` runs it across real ranks.
final class CommunicatorAllReduceBenchmarkTests: XCTestCase {
    func testBandwidthsFollowTheMedianTime() {
        let result = AllReduceBenchmark.Result(ranks: 4, floats: 250_000_000, iterations: 3, seconds: [3, 0.5, 2])
        XCTAssertEqual(result.bytes, 1_000_000_000)
        XCTAssertEqual(result.medianSeconds, 2)
        XCTAssertEqual(result.algorithmBandwidth, 5e8)
        // A ring all-reduce over 4 ranks moves 2·3/4 of the buffer over each link.
        XCTAssertEqual(result.busBandwidth, 7.5e8)
    }

    func testHiddenShareIsWhatTheOverlapSavesOfTheAllReduceClippedToIt() {
        func share(overlapped: Double) -> Double {
            AllReduceBenchmark.Overlap.Times(backward: 1, allReduce: 0.25, overlapped: overlapped, finish: 0.05).hiddenShare
        }
        XCTAssertEqual(share(overlapped: 1.125), 0.5)
        XCTAssertEqual(share(overlapped: 1.5), 0, "slower than one after the other hides nothing")
        XCTAssertEqual(share(overlapped: 0.9), 1, "faster than the backward pass alone is noise")
    }

    func testOneRankMovesNothingOverTheBus() throws {
        let result = try AllReduceBenchmark.run(communicator: SingleProcessCommunicator(), floats: 1000, iterations: 3)
        XCTAssertEqual(result.ranks, 1)
        XCTAssertEqual(result.seconds.count, 3)
        XCTAssertEqual(result.busBandwidth, 0)
    }

    func testTheDefaultBufferIsGPT2SmallsGradients() throws {
        let floats = AllReduceBenchmark.gradientFloats(try GPT2Config.preset("gpt2-124m", vocabularySize: 50257))
        // Tied LM head; every tensor's size is a multiple of 16 floats, so the flat buffer has no padding.
        XCTAssertEqual(floats, 124_439_808)
    }
}
