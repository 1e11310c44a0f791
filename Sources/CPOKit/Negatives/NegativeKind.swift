/// The ways of making a negative continuation (DESIGN §2). The raw values are the names the command
/// line and the metrics use.
public enum NegativeKind: String, CaseIterable, Sendable {
    /// Sampled token by token from a model (AN).
    case an
    /// Another example's ground truth from the same global batch (BN).
    case bn
    /// The ground truth with a fraction of its tokens resampled from π_ref (MN).
    case mn
    /// A strict prefix of the ground truth, then end-of-text (TN).
    case tn
    /// A negative the data file gives for the example.
    case file

    public var name: String {
        switch self {
        case .an: return "autoregressive"
        case .bn: return "batch"
        case .mn: return "meanfield"
        case .tn: return "truncation"
        case .file: return "from the data file"
        }
    }

    /// "MN (meanfield)": how messages name the kind.
    var label: String { "\(rawValue.uppercased()) (\(name))" }
}
