/// A lower bound of the memory a training run needs on each rank, from its options and the model's
/// config alone, so that sizes no machine could hold (`--batch-size 1000000000`, `--num-candidates
/// 1000000`) are refused with the numbers before anything is allocated.
///
/// It counts what every run certainly holds: the weights, their gradients and the two AdamW moments
/// (16 bytes a weight, less what ZeRO shards; 4 more for a contrastive run's frozen reference, less
/// what the ranks of a node share), and the logits of one
/// forward pass, rows × positions × vocabulary floats, where a pass takes a micro-batch's share of
/// one data group's examples, each with the candidates this rank scores, and is as long as its
/// longest row: the pass that holds the data's longest row has at least its positions.
/// Activations come on top.
public struct TrainingMemory: Error, CustomStringConvertible {
    public let weightBytes: Double
    public let logitBytes: Double
    /// The rows, positions and vocabulary of one pass, and the options that made the rows.
    public let rows: Double, positions: Int, vocabulary: Int
    let rowsExplained: String

    /// `data`'s longest row sets the positions.
    public init(options: TrainingOptions, config: any ModelConfig, ranks: Int, data: TrainingSet) {
        let contrastive = ["cpo", "dpo"].contains(options.objective)
        let shards = contrastive ? max(options.candidateShards, 1) : 1
        let groups = max(ranks / shards, 1)
        // Without --grad-accumulation: one pass of the group's examples, as the plan tries first.
        let examples = (Double(options.batchSize) / Double(groups) / Double(max(options.gradAccumulation ?? 1, 1))).rounded(.up)
        let candidates = contrastive ? (Double(options.numCandidates) / Double(shards)).rounded(.up) : 1
        rows = examples * candidates
        positions = data.longestRow(seqLen: options.seqLen)
        vocabulary = config.vocabularySize
        // Weights whole on every rank; gradients and moments sharded by ZeRO; π_ref shared by as many
        // ranks as a node could hold.
        let zero = ranks > 1 ? options.zero : 0, share = 1 / Double(ranks)
        weightBytes = config.weightFloats * (4 + (zero >= 2 ? 4 * share : 4) + (zero >= 1 ? 8 * share : 8) + (contrastive ? 4 * share : 0))
        logitBytes = 4 * rows * Double(positions) * Double(vocabulary)
        var explained = "--batch-size \(options.batchSize) / \(groups) data group\(groups == 1 ? "" : "s") / --grad-accumulation \(options.gradAccumulation ?? 1)"
        if contrastive { explained += " × --num-candidates \(options.numCandidates) / \(shards) candidate shard\(shards == 1 ? "" : "s")" }
        rowsExplained = explained
    }

    public var bytes: Double { weightBytes + logitBytes }

    /// Throws itself when the run cannot fit in `MachineMemory`.
    public func check() throws {
        if bytes > MachineMemory.bytes { throw self }
    }

    /// Whether a rank of the run could fit in `bytes`.
    public func fits(in bytes: Double) -> Bool {
        self.bytes <= bytes
    }

    public var description: String {
        "the run needs at least \(MachineMemory.describe(bytes)) on each rank, more than the \(MachineMemory.describe(MachineMemory.bytes)) "
            + "of memory of this machine: \(MachineMemory.describe(weightBytes)) of weights, gradients and AdamW moments, and "
            + "\(MachineMemory.describe(logitBytes)) of logits for one forward pass of \(String(format: "%.0f", rows)) rows "
            + "(\(rowsExplained)) × \(positions) positions (the longest training row) × \(vocabulary) tokens"
    }
}
