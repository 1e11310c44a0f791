import Foundation

/// The hyper-parameters of a training run. The CLI's flags and a `--config FILE.json` share these
/// names: a JSON key is the flag's name with `-` or `_` (`"batch_size"` or `"batch-size"`).
public struct TrainingOptions: Codable, Equatable, Sendable {
    public var objective = "mle"
    public var steps = 1000
    /// Examples per optimizer step (before accumulation is split off), whatever the number of ranks.
    public var batchSize = 16
    /// Longest training row in tokens; shorter batches are padded only to their longest row.
    public var seqLen = 128
    public var learningRate = 3e-4
    /// Linear warm-up steps; nil: `defaultWarmupSteps`, a tenth of the run up to 50.
    public var warmupSteps: Int?
    public var minLrRatio = 0.1
    public var weightDecay = 0.1
    /// Largest global gradient norm; 0 turns clipping off.
    public var gradClip = 1.0
    /// Micro-batches per optimizer step: each holds batchSize / gradAccumulation examples; nil: the
    /// fewest whose passes fit `activationBudget` (`MemoryPlan.microBatches`). Exact either way.
    public var gradAccumulation: Int?
    public var adamBeta1 = 0.9
    public var adamBeta2 = 0.95
    public var adamEpsilon = 1e-8
    public var seed: UInt64 = 1234
    /// Steps between checkpoints; 0 writes only the final model.
    public var saveEvery = 0
    /// Steps between held-out evaluations; 0 evaluates only at the end.
    public var evalEvery = 0
    /// Share of the data held out for evaluation (chosen by seed).
    public var validFraction = 0.05
    /// Complete checkpoints kept in the run folder; older ones are deleted. 0 keeps all.
    public var keepCheckpoints = 3

    // Contrastive objectives (cpo, dpo) and parallel scheduled sampling (pss).
    /// Candidates per example: the ground truth and K − 1 negatives.
    public var numCandidates = 4
    /// The README's experiments measured β = 0.1 best of {0.1, 1, 5} (smaller is better there).
    public var beta = 0.1
    /// Negative kinds and their weights, e.g. `an`, `an,bn` or `an:2,bn:1,tn:1`.
    public var negatives = "an"
    /// Plackett–Luce over negatives ordered by similarity to the ground truth.
    public var rankNegatives = false
    /// Weight λ of the ground truth's NLL added to the contrastive loss.
    /// The README's experiments all ran at λ = 1: the contrast alone only raises the ground truth
    /// relative to its negatives, and lets its own likelihood fall.
    public var nllWeight = 1.0
    /// Which model samples AN negatives: `ref` or `policy`.
    public var sampleFrom = "ref"
    public var temperature = 1.0
    public var topK = 0
    public var topP = 1.0
    /// Length limit of AN samples; nil: the ground truth's length + 8.
    public var maxNewTokens: Int?
    public var meanfieldFraction = 0.25
    /// Share of response input tokens PSS replaces by the model's own predictions.
    public var pssFraction = 0.25
    /// Ranks that share one data group's candidates (R = data groups × shards).
    public var candidateShards = 1
    /// Sum gradients during the last backward pass: on, off, or auto (on where the node has a core
    /// beyond its ranks' threads for the communication thread).
    public var overlapAllReduce = "auto"
    /// The dtype of `final/`'s weights: f32, or bf16/f16 for export. Checkpoints stay F32, so a
    /// run resumes exactly.
    public var saveDtype = "f32"
    /// Weights above this size are written as shards with an index (bytes, or 5GB-style).
    public var maxShardSize = "5GB"
    /// The policy's block activations: kept (none) or recomputed in the backward pass (blocks).
    public var recompute = ActivationRecomputation.none.rawValue
    /// Most bytes a micro-batch's passes may hold (`ByteSize`): without `--grad-accumulation` the
    /// step is split into the fewest micro-batches that fit, and generation packs a copy of the
    /// weights only when that copy fits (see `MemoryPlan`).
    public var activationBudget = MemoryPlan.defaultActivationBudget
    /// Steps in a row whose loss or gradient norm is not finite (none of them applied) before the
    /// run stops with an error.
    public var maxBadSteps = 3
    /// ZeRO stage over the ranks: 0 every rank holds everything; 1 each rank holds and updates its
    /// shard of the AdamW moments; 2 also keeps only its shard of the summed gradients. One rank is
    /// stage 0 whatever this says.
    public var zero = 2
    /// Most positions whose logits exist at once, in the policy and the reference (0: as many as
    /// fit 64 MiB, `LanguageModelHead.defaultChunkRows`).
    public var logitChunkRows = 0

    /// The warm-up a run takes: as given, or a tenth of `steps` up to 50, so that no default
    /// warm-up outlasts a short run.
    public var effectiveWarmupSteps: Int { warmupSteps ?? min(50, steps / 10) }

    /// `final/`'s weights format; checkpoints take its shard size with F32.
    public func finalWeights() throws -> WeightsFormat { try WeightsFormat(dtypeName: saveDtype, maxShardSize: maxShardSize) }

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case objective, steps, batchSize = "batch_size", seqLen = "seq_len", learningRate = "learning_rate"
        case warmupSteps = "warmup_steps", minLrRatio = "min_lr_ratio", weightDecay = "weight_decay"
        case gradClip = "grad_clip", gradAccumulation = "grad_accumulation", adamBeta1 = "adam_beta1"
        case adamBeta2 = "adam_beta2", adamEpsilon = "adam_epsilon", seed, saveEvery = "save_every"
        case evalEvery = "eval_every", validFraction = "valid_fraction", keepCheckpoints = "keep_checkpoints"
        case numCandidates = "num_candidates", beta, negatives, rankNegatives = "rank_negatives", nllWeight = "nll_weight"
        case sampleFrom = "sample_from", temperature, topK = "top_k", topP = "top_p", maxNewTokens = "max_new_tokens"
        case meanfieldFraction = "meanfield_fraction", pssFraction = "pss_fraction", candidateShards = "candidate_shards"
        case overlapAllReduce = "overlap_allreduce", saveDtype = "save_dtype", maxShardSize = "max_shard_size"
        case recompute, activationBudget = "activation_budget", maxBadSteps = "max_bad_steps", zero
        case logitChunkRows = "logit_chunk_rows"
    }

    /// A `--config` file read: the hyper-parameters it gives over the defaults, and the values of the
    /// keys that name the job (model, data, run folder…), for the command line to use.
    public struct ConfigFile {
        public var options: TrainingOptions
        /// The file's job keys, spelt with `_`.
        public var job: [String: JSONValue]
    }

    /// Reads a `--config` file: a JSON object whose keys are option names, hyper-parameters or one of
    /// `jobKeys`; an unknown key is an error before any value is looked at (a misspelt key would
    /// otherwise be silently ignored, and another problem reported first).
    public static func load(configFile url: URL, jobKeys: Set<String> = []) throws -> ConfigFile {
        let file = url.path
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ConfigFileError(file: file, reason: "cannot read: \((error as NSError).localizedDescription)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ConfigFileError(file: file, reason: "not a JSON object")
        }
        let known = Set(CodingKeys.allCases.map(\.rawValue))
        var normalized: [String: Any] = [:]
        var job: [String: JSONValue] = [:]
        for (key, value) in object.sorted(by: { $0.key < $1.key }) {
            let name = key.replacingOccurrences(of: "-", with: "_")
            if jobKeys.contains(name) {
                job[name] = try JSONDecoder().decode(JSONValue.self, from: JSONSerialization.data(withJSONObject: value, options: .fragmentsAllowed))
                continue
            }
            guard known.contains(name) else {
                throw ConfigFileError(file: file, reason: "unknown key '\(key)'; known keys: \(known.union(jobKeys).sorted().joined(separator: ", "))")
            }
            normalized[name] = value
        }
        // Keys the file leaves out keep their defaults.
        let defaults = try JSONSerialization.jsonObject(with: JSONEncoder().encode(TrainingOptions())) as! [String: Any]
        func decode(_ given: [String: Any]) throws -> TrainingOptions {
            try JSONDecoder().decode(TrainingOptions.self, from: JSONSerialization.data(withJSONObject: defaults.merging(given) { _, given in given }))
        }
        // One key at a time, so a value of the wrong type is named: Foundation reports a fraction
        // where an integer is due as invalid JSON, without a key.
        for (key, value) in object.sorted(by: { $0.key < $1.key }) {
            let name = key.replacingOccurrences(of: "-", with: "_")
            guard !jobKeys.contains(name) else { continue }
            do { _ = try decode([name: value]) } catch let error as DecodingError {
                let shown = (try? JSONSerialization.data(withJSONObject: [value], options: [.fragmentsAllowed]))
                    .map { String(decoding: $0.dropFirst().dropLast(), as: UTF8.self) } ?? "\(value)"
                throw ConfigFileError(file: file, reason: "key '\(key)' must be \(Self.expectation(error)), is \(shown)")
            }
        }
        return ConfigFile(options: try decode(normalized), job: job)
    }

    /// What the value that `error` refused must be.
    private static func expectation(_ error: DecodingError) -> String {
        switch error {
        case let .typeMismatch(type, _) where type == String.self: return "a string"
        case let .typeMismatch(type, _) where type == Bool.self: return "true or false"
        case let .typeMismatch(type, _) where type == Double.self: return "a number"
        case .valueNotFound: return "a value, not null"
        default: return "a whole number"
        }
    }

    /// Checks every value against its allowed range.
    public func validate() throws {
        func check(_ ok: Bool, _ option: String, _ value: Any, _ allowed: String) throws {
            if !ok { throw OptionError(option: option, value: "\(value)", allowed: allowed) }
        }
        try check(["mle", "cpo", "dpo", "pss"].contains(objective), "objective", objective, "one of mle, cpo, dpo, pss")
        try check(numCandidates >= 2, "num-candidates", numCandidates, "a whole number ≥ 2 (the ground truth and at least one negative)")
        try check(objective != "dpo" || numCandidates == 2, "num-candidates", numCandidates, "2 with --objective dpo (one negative)")
        try check(objective != "dpo" || !rankNegatives, "rank-negatives", rankNegatives, "off with --objective dpo (a single negative has no order)")
        try check(beta > 0 && beta.isFinite, "beta", beta, "a finite number > 0")
        try check(nllWeight >= 0 && nllWeight.isFinite, "nll-weight", nllWeight, "a finite number ≥ 0 (0 turns the NLL term off)")
        try check(["ref", "policy"].contains(sampleFrom), "sample-from", sampleFrom, "ref or policy")
        try check((0..<1).contains(pssFraction) && pssFraction > 0, "pss-fraction", pssFraction, "a number in (0, 1)")
        try check(candidateShards >= 1, "candidate-shards", candidateShards, "a whole number ≥ 1")
        try check(["auto", "on", "off"].contains(overlapAllReduce), "overlap-allreduce", overlapAllReduce, "auto, on or off")
        try check(ActivationRecomputation(rawValue: recompute) != nil, "recompute", recompute, "none or blocks")
        try check((0...2).contains(zero), "zero", zero, "0, 1 or 2")
        try check(logitChunkRows >= 0, "logit-chunk-rows", logitChunkRows, "a whole number ≥ 0 (0: as many rows as fit 64 MiB of logits)")
        _ = try finalWeights()
        _ = try activationBudgetBytes()
        try check(maxBadSteps >= 1, "max-bad-steps", maxBadSteps, "a whole number ≥ 1")
        try check(steps >= 1, "steps", steps, "a whole number ≥ 1")
        try check(batchSize >= 1, "batch-size", batchSize, "a whole number ≥ 1")
        try check(seqLen >= 2, "seq-len", seqLen, "a whole number ≥ 2")
        try check(learningRate > 0 && learningRate.isFinite, "learning-rate", learningRate, "a finite number > 0")
        if let warmupSteps {
            try check(warmupSteps >= 0 && (warmupSteps < steps || warmupSteps == 0), "warmup-steps", warmupSteps,
                      "a whole number ≥ 0 and below --steps \(steps): a warm-up as long as the run never reaches the peak rate")
        }
        try check((0...1).contains(minLrRatio), "min-lr-ratio", minLrRatio, "a number in [0, 1]")
        try check(weightDecay >= 0 && weightDecay.isFinite, "weight-decay", weightDecay, "a finite number ≥ 0")
        try check(gradClip >= 0 && gradClip.isFinite, "grad-clip", gradClip, "a finite number ≥ 0 (0 turns clipping off)")
        if let gradAccumulation {
            try check(gradAccumulation >= 1, "grad-accumulation", gradAccumulation, "a whole number ≥ 1")
            try check(batchSize % gradAccumulation == 0, "grad-accumulation", gradAccumulation, "a divisor of --batch-size \(batchSize)")
        }
        try check((0..<1).contains(adamBeta1), "adam-beta1", adamBeta1, "a number in [0, 1)")
        try check((0..<1).contains(adamBeta2), "adam-beta2", adamBeta2, "a number in [0, 1)")
        try check(adamEpsilon > 0 && adamEpsilon.isFinite, "adam-epsilon", adamEpsilon, "a finite number > 0")
        try check(saveEvery >= 0, "save-every", saveEvery, "a whole number ≥ 0 (0: only the final model)")
        try check(evalEvery >= 0, "eval-every", evalEvery, "a whole number ≥ 0 (0: only at the end)")
        try check(validFraction >= 0 && validFraction < 1, "valid-fraction", validFraction, "a number in [0, 1)")
        try check(keepCheckpoints >= 0, "keep-checkpoints", keepCheckpoints, "a whole number ≥ 0 (0 keeps all)")
        try validateAsFloat()
    }

    /// The values the arithmetic uses as Float, checked as Float: a Double that is finite can be
    /// infinite as a Float (1e39), or round to 0 (1e-50), and a step of the optimizer then writes
    /// NaN or nothing at all.
    private func validateAsFloat() throws {
        // As `Float(value)` is used: finite, and not rounded to 0 unless it is 0.
        func holds(_ value: Double) -> Bool { Float(value).isFinite && (value == 0 || Float(value) != 0) }
        func check(_ value: Double, _ ok: Bool, _ option: String, _ allowed: String) throws {
            if !ok { throw OptionError(option: option, value: "\(value)", allowed: allowed + " (it is used as a 32-bit float)") }
        }
        let largest = Double(Float.greatestFiniteMagnitude)
        // AdamW's first step is lr / (1 − β1), its decay factor 1 − lr · weight decay.
        try check(learningRate, holds(learningRate) && holds(learningRate / (1 - adamBeta1)), "learning-rate",
                  String(format: "a number in [%.2g, %.2g]: the first AdamW step, lr / (1 − adam-beta1), must be a finite float",
                         Double(Float.leastNonzeroMagnitude), largest * (1 - adamBeta1)))
        try check(weightDecay, holds(weightDecay) && holds(learningRate * weightDecay), "weight-decay",
                  "a number ≥ 0 whose product with the learning rate is a finite float")
        try check(gradClip, holds(gradClip), "grad-clip", String(format: "0 or a number in [%.2g, %.2g]", Double(Float.leastNonzeroMagnitude), largest))
        try check(adamEpsilon, holds(adamEpsilon), "adam-epsilon", String(format: "a number in [%.2g, %.2g]", Double(Float.leastNonzeroMagnitude), largest))
        for (value, option) in [(adamBeta1, "adam-beta1"), (adamBeta2, "adam-beta2")] {
            try check(value, Float(value) < 1, option, "a number in [0, 1) that stays below 1 as a float (at most 0.99999994)")
        }
        // Candidates' loss weights are β · g_k (|g_k| ≤ 1) plus the NLL term's share.
        try check(beta, holds(beta), "beta", String(format: "a number in (0, %.2g]", largest))
        try check(nllWeight, holds(nllWeight), "nll-weight", String(format: "0 or a number in [%.2g, %.2g]", Double(Float.leastNonzeroMagnitude), largest))
        try check(temperature, holds(temperature), "temperature", String(format: "a number in [%.2g, %.2g]", Double(Float.leastNonzeroMagnitude), largest))
        try check(topP, Float(topP) > 0, "top-p", "a number in (0, 1] that stays above 0 as a float")
    }
}

/// A `--config` file that cannot be used.
public struct ConfigFileError: Error, CustomStringConvertible {
    public let file: String
    public let reason: String
    public init(file: String, reason: String) { self.file = file; self.reason = reason }
    public var description: String { "\(file): \(reason)" }
}
