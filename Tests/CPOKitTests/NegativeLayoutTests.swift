import XCTest
@testable import CPOKit

/// A negative is the same whichever request, rank or batch layout makes it.
final class NegativeLayoutTests: XCTestCase {
    private let eot = NegativeFixtures.endOfText

    private func factory(_ mix: String) throws -> NegativeFactory {
        let model = try NegativeFixtures.model()
        return try NegativeFactory(options: NegativeOptions(mix: try NegativeMix(parsing: mix), seed: 31), reference: model, policy: model,
                                   endOfText: eot)
    }

    func testASlotIsTheSameAloneOrInsideALargerRequest() throws {
        let factory = try factory("an,bn,mn,tn,file")
        let batch = NegativeFixtures.batch(count: 5, fileNegatives: 3)
        let slots = (0..<5).flatMap { example in (1...3).map { NegativeSlot(step: 7, example: example, candidate: $0) } }
        let together = try factory.make(for: slots, in: batch)
        XCTAssertEqual(Set(together.map(\.kind)), Set(NegativeKind.allCases), "the request mixes every kind")
        XCTAssertEqual(together.map(\.slot), slots)
        XCTAssertEqual(together.map(\.kind), slots.map { factory.kind(for: $0) })
        let alone = try slots.map { try factory.make(for: [$0], in: batch)[0] }
        // A shard's share of the request, in another order.
        let shard = Array(slots.enumerated().filter { $0.offset % 3 == 1 }.reversed())
        let part = try factory.make(for: shard.map(\.element), in: batch)
        for (negative, index) in Array(zip(alone, slots.indices)) + Array(zip(part, shard.map(\.offset))) {
            XCTAssertEqual(negative.kind, together[index].kind)
            XCTAssertEqual(negative.tokens, together[index].tokens, "\(negative.kind) \(negative.slot)")
            XCTAssertEqual(negative.referenceLogProb == nil, together[index].referenceLogProb == nil)
            if let score = negative.referenceLogProb { XCTAssertEqual(score, together[index].referenceLogProb!, accuracy: 1e-4) }
        }
        let nextStep = try factory.make(for: slots.map { NegativeSlot(step: 8, example: $0.example, candidate: $0.candidate) }, in: batch)
        XCTAssertNotEqual(nextStep.map(\.tokens), together.map(\.tokens))
    }

    func testEveryKindOfTheMixIsMadeByItsMaker() throws {
        let batch = NegativeFixtures.batch(count: 4, fileNegatives: 2)
        let slots = (0..<4).flatMap { example in (1...2).map { NegativeSlot(step: 1, example: example, candidate: $0) } }
        for kind in NegativeKind.allCases {
            let negatives = try factory(kind.rawValue).make(for: slots, in: batch)
            XCTAssertEqual(Set(negatives.map(\.kind)), [kind])
            XCTAssertEqual(negatives.contains { $0.referenceLogProb != nil }, kind == .an, "only AN scores come free")
        }
    }

    func testFactoryChecksEveryOptionAtStartUp() throws {
        let model = try NegativeFixtures.model()
        XCTAssertThrowsError(try NegativeFactory(options: NegativeOptions(mix: NegativeMix(kind: .bn), meanfieldFraction: 2),
                                                 reference: model, policy: model, endOfText: eot)) {
            XCTAssertEqual(($0 as? OptionError)?.option, "meanfield-fraction")
        }
    }
}
