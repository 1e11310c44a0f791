import XCTest
@testable import CPOKit

final class WinRateTests: XCTestCase {
    private func verdicts(_ counts: [Verdict: Int]) -> [Verdict] {
        Verdict.allCases.flatMap { Array(repeating: $0, count: counts[$0] ?? 0) }
    }

    func testTiesCountHalfAndInvalidVerdictsAreLeftOut() {
        let rate = WinRate(verdicts([.win: 3, .tie: 2, .loss: 1, .invalid: 2]))
        XCTAssertEqual([rate.wins, rate.ties, rate.losses, rate.invalid, rate.judged], [3, 2, 1, 2, 6])
        XCTAssertEqual(rate.rate!, 4.0 / 6.0, accuracy: 1e-12)
    }

    func testWilsonIntervalMatchesPublishedValues() {
        // 5 of 10: Wilson 95 % interval [0.2366, 0.7634]; 5 of 5: [0.5655, 1].
        let half = WinRate(verdicts([.win: 5, .loss: 5]))
        XCTAssertEqual(half.interval[0], 0.2366, accuracy: 1e-4)
        XCTAssertEqual(half.interval[1], 0.7634, accuracy: 1e-4)
        let all = WinRate(verdicts([.win: 5]))
        XCTAssertEqual(all.rate, 1)
        XCTAssertEqual(all.interval[0], 0.5655, accuracy: 1e-4)
        XCTAssertEqual(all.interval[1], 1, accuracy: 1e-12)
        // Ten ties have the win rate of five wins and five losses, and the same (conservative) interval.
        XCTAssertEqual(WinRate(verdicts([.tie: 10])).interval, half.interval)
    }

    func testNothingJudgedHasNoRate() {
        let rate = WinRate(verdicts([.invalid: 3]))
        XCTAssertNil(rate.rate)
        XCTAssertEqual(rate.interval, [0, 1])
        XCTAssertEqual(rate.invalid, 3)
    }
}
