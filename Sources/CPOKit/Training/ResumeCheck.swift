import Foundation

/// What `--resume` checks before it continues a checkpoint: that the saved state is a place the run
/// can be, and that the command line describes the run that saved it.
enum ResumeCheck {
    /// Options that may differ from the saved run's: they say how long to train, how often to save
    /// or evaluate, or how the work is laid out over ranks and memory — none changes the sums a step
    /// computes beyond fp32 reduction order.
    static let mayChange: Set<TrainingOptions.CodingKeys> = [
        .steps, .saveEvery, .evalEvery, .keepCheckpoints, .maxBadSteps, .saveDtype, .maxShardSize,
        .overlapAllReduce, .zero, .candidateShards, .gradAccumulation, .activationBudget, .recompute, .logitChunkRows,
    ]

    static func check(_ state: TrainerState, optimizerStep: Int, of checkpoint: CheckpointFolder, against options: TrainingOptions,
                      identity: RunIdentity) throws {
        let stateFile = checkpoint.url.appendingPathComponent(CheckpointFolder.trainerStateFile).path
        guard state.globalStep >= 0, state.globalStep == checkpoint.step else {
            throw CheckpointError.malformed(file: stateFile,
                reason: "global_step \(state.globalStep) is not the step of the folder's name, \(checkpoint.step.map(String.init) ?? "none")")
        }
        guard (0 ... state.globalStep).contains(optimizerStep) else {
            throw CheckpointError.malformed(file: checkpoint.url.appendingPathComponent(CheckpointFolder.optimizerFile).path,
                reason: "the optimizer's step \(optimizerStep) is not between 0 and the run's step \(state.globalStep)")
        }
        guard state.globalStep <= options.steps else {
            throw TrainingError.stepsBelowCheckpoint(checkpoint: checkpoint.url.path, step: state.globalStep, steps: options.steps)
        }
        guard case let .object(saved) = state.hyperParameters else {
            throw CheckpointError.malformed(file: stateFile, reason: "hyper_parameters is not an object")
        }
        guard case let .object(given) = try JSONValue(encoding: options) else { preconditionFailure("options encode as an object") }
        // A key on one side only is an option this program or the one that saved did not have: not comparable.
        var differences = TrainingOptions.CodingKeys.allCases.filter { !mayChange.contains($0) }.compactMap { key -> String? in
            guard let old = saved[key.rawValue], let new = given[key.rawValue], old != new else { return nil }
            return "--\(key.rawValue.replacingOccurrences(of: "_", with: "-")) \(text(new)) (saved \(text(old)))"
        }
        if let savedIdentity = state.extra[RunIdentity.extraKey] {
            let old: RunIdentity
            do { old = try savedIdentity.decoded(as: RunIdentity.self) } catch {
                throw CheckpointError.malformed(file: stateFile, reason: "extra.\(RunIdentity.extraKey) is not a run's identity: \(error)")
            }
            differences += identity.differences(fromSaved: old)
        }
        guard differences.isEmpty else { throw TrainingError.resumeMismatch(checkpoint: checkpoint.url.path, differences: differences) }
    }

    private static func text(_ value: JSONValue) -> String {
        switch value {
        case .null: return "none"
        case let .bool(value): return "\(value)"
        case let .integer(value): return "\(value)"
        case let .unsignedInteger(value): return "\(value)"
        case let .number(value): return "\(value)"
        case let .string(value): return value
        case .array, .object:
            return (try? JSONEncoder().encode(value)).flatMap { String(data: $0, encoding: .utf8) } ?? "?"
        }
    }
}
