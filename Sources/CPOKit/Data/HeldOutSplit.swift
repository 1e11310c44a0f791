/// Examples held out for evaluation: a random subset drawn with `CounterRandom(seed:, domain: .split)`.
/// The subset depends only on the seed, the number of examples and the held-out size, and a larger
/// held-out size keeps every example a smaller one held out.
public struct HeldOutSplit: Sendable, Equatable {
    public enum Size: Sendable, Equatable {
        /// This fraction of the examples, rounded to the nearest count; in [0, 1).
        case fraction(Double)
        case count(Int)
    }

    /// Indices of the training examples, ascending.
    public let train: [Int]
    /// Indices of the held-out examples, ascending.
    public let heldOut: [Int]

    public init(exampleCount: Int, heldOut size: Size, seed: UInt64) throws {
        let heldOutCount: Int
        switch size {
        case let .fraction(fraction):
            guard fraction >= 0 && fraction < 1 else {
                throw DataError.invalidSetting(name: "held-out fraction", reason: "must be in [0, 1), got \(fraction)")
            }
            heldOutCount = Int((fraction * Double(exampleCount)).rounded())
        case let .count(count):
            guard count >= 0 else { throw DataError.invalidSetting(name: "held-out count", reason: "must not be negative, got \(count)") }
            heldOutCount = count
        }
        guard heldOutCount < exampleCount else {
            throw DataError.invalidSetting(
                name: "held-out split", reason: "holding out \(heldOutCount) of \(exampleCount) examples leaves none to train on")
        }
        var random = CounterRandom(seed: seed, domain: .split)
        let order = Array(0..<exampleCount).shuffled(using: &random)
        heldOut = order.prefix(heldOutCount).sorted()
        train = order.dropFirst(heldOutCount).sorted()
    }
}
