import XCTest
@testable import CPOKit

final class GenerationStatisticsTests: XCTestCase {
    func testCountsOnHandMadeGenerations() {
        let generations: [[Int32]] = [[1, 2, 3, 1, 2, 3, 1, 2], [4, 4], []]
        let statistics = GenerationStatistics(generations)
        XCTAssertEqual(statistics.meanLength, 10.0 / 3.0, accuracy: 1e-12)
        // Unigrams: 10, of which 1, 2, 3, 4 are distinct.
        XCTAssertEqual(statistics.distinct1, 0.4, accuracy: 1e-12)
        // Bigrams: 7 + 1 (none across two generations, so no (2, 4)); distinct (1,2), (2,3), (3,1), (4,4).
        XCTAssertEqual(statistics.distinct2, 0.5, accuracy: 1e-12)
        // 4-grams of the first generation: 1231 2312 3123 1231 2312, two of them repeats.
        XCTAssertEqual(statistics.repetitionRate, 0.4, accuracy: 1e-12)
    }

    func testEmptyGenerationsGiveZeros() {
        XCTAssertEqual(GenerationStatistics([[], []]), GenerationStatistics([]))
        XCTAssertEqual(GenerationStatistics([[], []]).distinct1, 0)
        XCTAssertEqual(GenerationStatistics.repetitionRate([[7, 7, 7]], n: 4), 0)
        XCTAssertEqual(GenerationStatistics.repetitionRate([[7, 7, 7, 7, 7, 7]], n: 4), 2.0 / 3.0, accuracy: 1e-12)
    }
}
