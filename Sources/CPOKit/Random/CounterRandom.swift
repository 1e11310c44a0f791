/// A counter-based random generator (Philox-4×32-10): the numbers drawn at coordinates
/// (seed, domain, step, example, candidate, position) are a pure function of those coordinates.
/// A negative, a shuffle or a sample therefore comes out the same whichever rank, batch layout or
/// thread makes it.
public struct CounterRandom: RandomNumberGenerator, Sendable {
    /// Separates independent uses of the same seed, so e.g. shuffling and sampling never share draws.
    public enum Domain: UInt32, Sendable {
        case shuffle = 1, split, initialization, synthesis, sampling, negatives, meanfield, truncation, mix, dropout, scheduledSampling
    }

    private let seedKey: UInt64
    private let counter: (UInt32, UInt32, UInt32, UInt32)
    private var block: UInt32 = 0
    private var outputs: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
    private var used = 4

    public init(seed: UInt64, domain: Domain, step: Int = 0, example: Int = 0, candidate: Int = 0, position: Int = 0) {
        seedKey = Self.mix(seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(domain.rawValue))
        counter = (UInt32(truncatingIfNeeded: step), UInt32(truncatingIfNeeded: example),
                   UInt32(truncatingIfNeeded: candidate), UInt32(truncatingIfNeeded: position))
    }

    public mutating func next() -> UInt64 {
        let high = UInt64(nextWord()), low = UInt64(nextWord())
        return high << 32 | low
    }

    /// A uniform Float in [0, 1) with 24 random bits.
    public mutating func nextUniform() -> Float { Float(nextWord() >> 8) * 0x1p-24 }

    /// A uniform Double in [0, 1) with 53 random bits.
    public mutating func nextUniformDouble() -> Double { Double(next() >> 11) * 0x1p-53 }

    private mutating func nextWord() -> UInt32 {
        if used == 4 {
            // Successive blocks at one coordinate use different keys, so counters of neighbouring
            // coordinates never overlap.
            let key = Self.mix(seedKey ^ (UInt64(block) &* 0xD1B5_4A32_D192_ED03))
            outputs = Self.philox(counter, key: (UInt32(truncatingIfNeeded: key), UInt32(truncatingIfNeeded: key >> 32)))
            block &+= 1
            used = 0
        }
        defer { used += 1 }
        switch used {
        case 0: return outputs.0
        case 1: return outputs.1
        case 2: return outputs.2
        default: return outputs.3
        }
    }

    /// SplitMix64's finaliser: spreads a 64-bit value's bits over the whole word.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Philox-4×32 with 10 rounds (Salmon et al., SC'11).
    static func philox(_ input: (UInt32, UInt32, UInt32, UInt32), key: (UInt32, UInt32)) -> (UInt32, UInt32, UInt32, UInt32) {
        var c = input
        var k = key
        for _ in 0..<10 {
            let p0 = UInt64(0xD251_1F53) &* UInt64(c.0)
            let p1 = UInt64(0xCD9E_8D57) &* UInt64(c.2)
            c = (UInt32(truncatingIfNeeded: p1 >> 32) ^ c.1 ^ k.0, UInt32(truncatingIfNeeded: p1),
                 UInt32(truncatingIfNeeded: p0 >> 32) ^ c.3 ^ k.1, UInt32(truncatingIfNeeded: p0))
            k = (k.0 &+ 0x9E37_79B9, k.1 &+ 0xBB67_AE85)
        }
        return c
    }
}
