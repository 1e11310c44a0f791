import XCTest
@testable import CPOKit

final class NegativeMixTests: XCTestCase {
    private func weights(_ mix: NegativeMix) -> [String: Double] {
        Dictionary(uniqueKeysWithValues: mix.components.map { ($0.kind.rawValue, $0.weight) })
    }

    func testParsesAKindAListAndWeights() throws {
        XCTAssertEqual(weights(try NegativeMix(parsing: "an")), ["an": 1])
        XCTAssertEqual(weights(try NegativeMix(parsing: "an,bn")), ["an": 1, "bn": 1])
        XCTAssertEqual(weights(try NegativeMix(parsing: "an:2,bn:1,tn:1")), ["an": 2, "bn": 1, "tn": 1])
        XCTAssertEqual(weights(try NegativeMix(parsing: " MN : 0.5 , file ")), ["mn": 0.5, "file": 1])
        XCTAssertEqual(try NegativeMix(parsing: "tn:3,an").kinds, [.tn, .an])
        let mix = try NegativeMix(parsing: "an:2,bn:1,tn:1")
        XCTAssertEqual(mix.probability(of: .an), 0.5)
        XCTAssertEqual(mix.probability(of: .mn), 0)
        XCTAssertEqual(try NegativeMix(parsing: mix.description), mix)
    }

    func testRejectsMalformedStringsSayingWhatIsAllowed() {
        let problems = ["": "is not a kind", "xn": "'xn' is not a kind", "an,": "is not a kind", "an,,bn": "is not a kind",
                        "an:1:2": "is not a kind or kind:weight", "an:0": "not a number > 0", "an:-1": "not a number > 0",
                        "an:two": "not a number > 0", "an:inf": "not a number > 0", "an,AN": "appears twice"]
        for (text, problem) in problems {
            XCTAssertThrowsError(try NegativeMix(parsing: text, option: "negatives"), text) { error in
                guard let error = error as? OptionError else { return XCTFail("\(text): \(error) is not an OptionError") }
                XCTAssertEqual(error.option, "negatives")
                XCTAssertEqual(error.value, text)
                XCTAssertTrue(error.allowed.contains(problem), "\(text): \(error)")
                XCTAssertTrue(error.allowed.contains("an:2,bn:1,tn:1") && error.allowed.contains("file"), "\(error)")
            }
        }
    }

    func testSlotKindsFollowTheWeights() throws {
        let mix = try NegativeMix(parsing: "an:2,bn:1,tn:1,mn:0.5")
        var counts: [NegativeKind: Int] = [:]
        var draws = 0
        for step in 0..<50 {
            for example in 0..<40 {
                for candidate in 1...10 {
                    counts[mix.kind(for: NegativeSlot(step: step, example: example, candidate: candidate), seed: 77), default: 0] += 1
                    draws += 1
                }
            }
        }
        XCTAssertNil(counts[.file])
        for kind in mix.kinds {
            let p = mix.probability(of: kind)
            let expected = Double(draws) * p
            let sigma = (Double(draws) * p * (1 - p)).squareRoot()
            XCTAssertLessThan(abs(Double(counts[kind] ?? 0) - expected), 5 * sigma, "\(kind): \(counts[kind] ?? 0) of \(draws)")
        }
    }

    func testASlotsKindDependsOnTheSlotAndSeedOnly() throws {
        let mix = try NegativeMix(parsing: "an,bn,mn,tn")
        let slots = (0..<200).map { NegativeSlot(step: 3, example: $0 / 4, candidate: 1 + $0 % 4) }
        let kinds = slots.map { mix.kind(for: $0, seed: 5) }
        XCTAssertEqual(slots.reversed().map { mix.kind(for: $0, seed: 5) }, kinds.reversed())
        XCTAssertNotEqual(slots.map { mix.kind(for: $0, seed: 6) }, kinds)
        XCTAssertEqual(Set(kinds), [.an, .bn, .mn, .tn])
        let single = try NegativeMix(parsing: "tn")
        XCTAssertEqual(Set(slots.map { single.kind(for: $0, seed: 5) }), [.tn])
    }
}
