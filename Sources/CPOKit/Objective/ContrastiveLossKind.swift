/// Which CPO loss an objective takes (DESIGN §2).
public enum ContrastiveLossKind: String, Sendable, CaseIterable {
    /// Softmax cross-entropy with the ground truth as the label.
    case plain
    /// Plackett–Luce over the similarity order τ (the paper's "R" variants).
    case ranked
}
