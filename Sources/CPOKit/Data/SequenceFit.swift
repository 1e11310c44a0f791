/// How a prompt and its continuation are cut to fit a window of `capacity` tokens.
///
/// Rule: the prompt keeps its last tokens — all of them if the sequence fits, otherwise as many as
/// the continuation leaves free but at least half the window (or the whole prompt if shorter),
/// because a continuation learned without its instruction teaches little. The continuation keeps
/// its first tokens in the rest of the window; when its tail is cut, so is its end-of-text. With a
/// non-empty prompt and continuation and `capacity ≥ 2`, at least one prompt token and one
/// continuation token are always kept, so every row has a target to learn.
public struct SequenceFit: Sendable, Equatable {
    /// The prompt's last `promptKept` tokens are kept.
    public let promptKept: Int
    /// The continuation's first `continuationKept` tokens are kept.
    public let continuationKept: Int
    public let isCut: Bool

    public init(promptCount: Int, continuationCount: Int, capacity: Int) {
        precondition(promptCount >= 1 && continuationCount >= 1 && capacity >= 2,
                     "a sequence needs a prompt token and a continuation token, and room for both")
        promptKept = min(promptCount, max(capacity - continuationCount, capacity / 2))
        continuationKept = min(continuationCount, capacity - promptKept)
        isCut = promptKept < promptCount || continuationKept < continuationCount
    }
}
