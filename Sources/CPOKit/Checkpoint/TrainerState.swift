/// Where a training run stands, written as `trainer_state.json` beside the model and optimizer
/// state so a run resumes exactly. Randomness needs only the seed: every draw is keyed by
/// (seed, step, example, …), so nothing else about generators has to be saved.
public struct TrainerState: Codable, Equatable, Sendable {
    /// Bumped when a field changes meaning; readers refuse newer versions instead of misreading them.
    public static let currentFormatVersion = 1

    public var formatVersion: Int
    /// Optimizer steps completed.
    public var globalStep: Int
    public var dataCursor: DataCursor
    public var seed: UInt64
    /// The run's hyper-parameters as given, so a resumed run can check it continues the same run.
    public var hyperParameters: JSONValue
    /// State of components this type does not know about, by component name.
    public var extra: [String: JSONValue]

    public init(globalStep: Int, dataCursor: DataCursor, seed: UInt64, hyperParameters: JSONValue,
                extra: [String: JSONValue] = [:]) {
        formatVersion = Self.currentFormatVersion
        self.globalStep = globalStep
        self.dataCursor = dataCursor
        self.seed = seed
        self.hyperParameters = hyperParameters
        self.extra = extra
    }

    // Spelled out rather than a key strategy, which would also rewrite the user's hyper-parameter names.
    private enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", globalStep = "global_step", dataCursor = "data_cursor", seed
        case hyperParameters = "hyper_parameters", extra
    }
}
