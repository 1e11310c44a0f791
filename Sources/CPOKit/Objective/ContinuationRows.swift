/// Prompt + continuation rows laid out for one teacher-forced pass, right-padded to the longest row
/// (causal attention keeps the padding out of every real position).
///
/// Position t of a row predicts token t + 1, so continuation token i is the target of position
/// prompt.count − 1 + i. Those positions, prompt−1 … prompt+|y|−2 of the row prompt + y, carry the
/// sequence log-prob; their final hidden states are the ones pooled for similarity, so a candidate's
/// pooled state and its log-prob describe the same positions (the last token is never an input).
struct ContinuationRows {
    let batch: TrainingBatch
    /// Per row, the flat [rows·length] positions whose targets are its continuation tokens.
    let spans: [Range<Int>]

    /// Every prompt must be non-empty and every row fit the model's context; callers check, so that
    /// their errors can name the row in their own terms.
    init(_ pairs: [(prompt: [Int32], continuation: [Int32])], padding: Int32) {
        let length = pairs.map { $0.prompt.count + $0.continuation.count - 1 }.max()!
        batch = TrainingBatch(sequences: pairs.map { (prompt: $0.prompt[...], continuation: $0.continuation[...]) },
                              length: length, padding: padding, truncatedRows: 0)
        spans = pairs.enumerated().map { row, pair in
            let first = row * length + pair.prompt.count - 1
            return first ..< first + pair.continuation.count
        }
    }
}
