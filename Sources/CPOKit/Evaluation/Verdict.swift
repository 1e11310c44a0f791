/// A judge's verdict on a generation against its reference, from the generation's side.
public enum Verdict: String, Codable, Sendable, CaseIterable {
    case win, tie, loss
    /// The judge could not decide (a malformed answer, a refused or failed request, a text it cannot
    /// score): counted apart, never in the win rate.
    case invalid

    /// Win 1, tie ½, loss 0; nil for invalid.
    public var score: Double? {
        switch self {
        case .win: return 1
        case .tie: return 0.5
        case .loss: return 0
        case .invalid: return nil
        }
    }
}
