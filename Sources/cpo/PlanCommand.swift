import ArgumentParser
import CPOKit
import Foundation

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Predict a training job's peak memory per rank, by part, and whether it fits a node.",
        discussion: """
            Takes the options of `cpo train` (--out is not needed) and the job's shape: --ranks R, and \
            how many of them share a node (--ranks-per-node; they share one copy of π_ref). Nothing is \
            trained and no weights are read: the parts are counted from the buffers the model would \
            allocate, for the longest rows the data can make. `cpo train` prints the same plan when it \
            starts and takes its micro-batches (without --grad-accumulation) from it.
            """)

    @OptionGroup var job: TrainCommand
    @Option(help: "Ranks of the job.") var ranks = 1
    @Option(help: "Ranks on each node (default: all of --ranks on one node).") var ranksPerNode: Int?
    @Option(help: "Memory of one node in GB (10^9 bytes) (default: this machine's).") var nodeMemory: Double?
    @Option(help: "With --preset: plan the preset with this many token embeddings instead of the tokenizer's, e.g. 50257 for GPT-2's released vocabulary; 'released' takes the preset's.")
    var vocabularySize: String?
    @Flag(help: "Print one JSON object: peak_bytes_per_rank, the parts, and whether it fits.") var json = false

    func validate() throws {
        guard ranks >= 1 else { throw ValidationError("--ranks must be at least 1, got \(ranks)") }
        if let ranksPerNode, !(1...ranks).contains(ranksPerNode) {
            throw ValidationError("--ranks-per-node must be in 1...\(ranks) (--ranks), got \(ranksPerNode)")
        }
        if let nodeMemory, !(nodeMemory > 0 && nodeMemory.isFinite) { throw ValidationError("--node-memory must be a number of GB > 0") }
        if let vocabularySize {
            guard job.preset != nil else { throw ValidationError("--vocabulary-size needs --preset (a --model folder has its own)") }
            guard vocabularySize == "released" || (Int(vocabularySize) ?? 0) >= 2 else {
                throw ValidationError("--vocabulary-size must be a whole number ≥ 2 or 'released', got '\(vocabularySize)'")
            }
        }
    }

    func run() throws {
        let (job, options) = try self.job.resolved(needsOut: false)
        var (model, _, data, _, task) = try job.loadJob(options: options, weights: false)
        if let vocabularySize, let preset = job.preset {
            model = try ModelRegistry.preset(preset, vocabularySize: Int(vocabularySize), maxPositions: job.nPositions).zeroModel()
        }
        if options.logitChunkRows > 0 { model.logitChunkRows = options.logitChunkRows }
        let perNode = ranksPerNode ?? ranks
        let nodeBytes = nodeMemory.map { Int($0 * 1e9) } ?? Int(MachineMemory.bytes)
        let plan: MemoryPlan
        do {
            plan = try Trainer.memoryPlan(model: model, data: data, hasTask: task != nil, options: options, ranks: ranks,
                                          ranksPerNode: perNode, microBatches: options.gradAccumulation, nodeBytes: Double(nodeBytes))
        } catch let least as TrainingMemory {
            // Not even the weights and one pass's logits fit: there is nothing more to count.
            if json {
                print("{\"fits\":false,\"least_bytes_per_rank\":\(Int(least.bytes)),\"node_bytes\":\(nodeBytes),\"ranks\":\(ranks)}")
            } else {
                print("does not fit: each rank holds at least \(ByteSize.gibibytes(Int(least.bytes))) (weights, gradients, AdamW moments and "
                      + "one pass's logits), more than the node's \(ByteSize.gibibytes(nodeBytes))")
            }
            return
        }
        let nodePeak = plan.peakBytesPerRank * perNode
        let fits = nodePeak <= nodeBytes
        if json {
            var object: [String: Any] = [
                "peak_bytes_per_rank": plan.peakBytesPerRank, "ranks": ranks, "ranks_per_node": perNode,
                "node_bytes": nodeBytes, "node_peak_bytes": nodePeak, "fits": fits,
                "micro_batches": plan.microBatches, "packs_decode_weights": plan.packsDecodeWeights,
            ]
            for part in MemoryPlan.Part.allCases { object["\(part.rawValue)_bytes"] = plan.bytes[part]! }
            let text = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: text, as: UTF8.self))
            return
        }
        print("per rank, at the peak:")
        for part in MemoryPlan.Part.allCases {
            print("  \(part.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \(ByteSize.gibibytes(plan.bytes[part]!))")
        }
        print("  \("total".padding(toLength: 12, withPad: " ", startingAt: 0)) \(ByteSize.gibibytes(plan.peakBytesPerRank))")
        print("\(plan.microBatches) micro-batch\(plan.microBatches == 1 ? "" : "es") per step; generation "
              + (plan.packsDecodeWeights ? "packs a copy of the weights" : "reads the weights in place"))
        print("node: \(perNode) rank\(perNode == 1 ? "" : "s") × \(ByteSize.gibibytes(plan.peakBytesPerRank)) = \(ByteSize.gibibytes(nodePeak)) of "
              + "\(ByteSize.gibibytes(nodeBytes)): \(fits ? "fits" : "does not fit")")
    }
}
