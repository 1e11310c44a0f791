/// Win rate = (wins + ½ ties) / judged, where invalid verdicts are not judged, with a 95 %
/// Wilson score interval.
///
/// Wilson treats the n judged examples as n Bernoulli trials with success rate p = the win rate.
/// A tie is worth ½, and a score in {0, ½, 1} with mean p has a variance of at most p(1 − p), so the
/// interval is exact-width for no ties and conservative with them. Unlike the normal approximation
/// it stays inside [0, 1] and keeps a width when every verdict is the same.
public struct WinRate: Sendable, Equatable {
    public let wins: Int
    public let ties: Int
    public let losses: Int
    public let invalid: Int
    public var judged: Int { wins + ties + losses }
    /// Nil when nothing could be judged.
    public let rate: Double?
    /// [lower, upper]; [0, 1] when nothing could be judged.
    public let interval: [Double]

    /// The two-sided 95 % normal quantile.
    static let z = 1.959963984540054

    public init(_ verdicts: [Verdict]) {
        func count(_ verdict: Verdict) -> Int { verdicts.filter { $0 == verdict }.count }
        wins = count(.win); ties = count(.tie); losses = count(.loss); invalid = count(.invalid)
        let n = Double(wins + ties + losses)
        guard n > 0 else {
            rate = nil
            interval = [0, 1]
            return
        }
        let p = (Double(wins) + 0.5 * Double(ties)) / n
        let z2 = Self.z * Self.z
        let centre = (p + z2 / (2 * n)) / (1 + z2 / n)
        let halfWidth = Self.z / (1 + z2 / n) * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
        rate = p
        interval = [max(0, centre - halfWidth), min(1, centre + halfWidth)]
    }
}
