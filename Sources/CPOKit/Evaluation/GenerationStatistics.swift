/// Figures of the generations themselves, over their token ids (end-of-text left out):
/// - mean length: tokens per generation;
/// - distinct-n: distinct n-grams over all generations / all n-grams (n-grams never cross two
///   generations); 0 when there are none;
/// - repetition rate: the share of all 4-grams that repeat a 4-gram seen earlier in the same
///   generation (0: no loops; near 1: the model repeats itself); 0 when there are none.
public struct GenerationStatistics: Sendable, Equatable {
    public let meanLength: Double
    public let distinct1: Double
    public let distinct2: Double
    public let repetitionRate: Double

    public static let repetitionOrder = 4

    public init(_ generations: [[Int32]]) {
        meanLength = generations.isEmpty ? 0 : Double(generations.map(\.count).reduce(0, +)) / Double(generations.count)
        distinct1 = Self.distinct(1, in: generations)
        distinct2 = Self.distinct(2, in: generations)
        repetitionRate = Self.repetitionRate(generations, n: Self.repetitionOrder)
    }

    public static func distinct(_ n: Int, in generations: [[Int32]]) -> Double {
        let grams = generations.flatMap { nGrams(n, of: $0) }
        return grams.isEmpty ? 0 : Double(Set(grams).count) / Double(grams.count)
    }

    public static func repetitionRate(_ generations: [[Int32]], n: Int) -> Double {
        var total = 0, repeated = 0
        for generation in generations {
            var seen = Set<ArraySlice<Int32>>()
            for gram in nGrams(n, of: generation) {
                total += 1
                if !seen.insert(gram).inserted { repeated += 1 }
            }
        }
        return total == 0 ? 0 : Double(repeated) / Double(total)
    }

    private static func nGrams(_ n: Int, of tokens: [Int32]) -> [ArraySlice<Int32>] {
        tokens.count < n ? [] : (0...(tokens.count - n)).map { tokens[$0 ..< $0 + n] }
    }
}
