/// How many instruction rows `--seq-len` cuts (by `SequenceFit`'s rule), for the start-up line:
/// silent truncation of a large share of the rows trains on prompts without their start and
/// responses without their end.
public struct CutRows: Sendable, Equatable {
    /// Above this share of cut rows the start-up line warns.
    public static let warningShare = 0.05

    public let rows: Int
    public let cut: Int
    public let seqLen: Int

    public var share: Double { rows == 0 ? 0 : Double(cut) / Double(rows) }
    public var needsWarning: Bool { share > Self.warningShare }

    /// `examples` as rows of at most `seqLen` positions.
    public init(_ examples: [InstructionExample], seqLen: Int) {
        rows = examples.count
        cut = examples.count { example in
            SequenceFit(promptCount: example.promptIDs.count, continuationCount: example.responseIDs.count, capacity: seqLen + 1).isCut
        }
        self.seqLen = seqLen
    }
}
