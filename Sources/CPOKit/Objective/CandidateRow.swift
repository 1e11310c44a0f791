/// One candidate continuation of one example, as a row to score. `example` and `candidate`
/// (0 = the ground truth) name the row in errors and in the gathered scalars, so any subset of a
/// batch's candidates — one rank's shard, say — can be scored and back-propagated together.
public struct CandidateRow: Sendable, Equatable {
    public var example: Int
    public var candidate: Int
    public var prompt: [Int32]
    public var continuation: [Int32]

    public init(example: Int, candidate: Int, prompt: [Int32], continuation: [Int32]) {
        self.example = example
        self.candidate = candidate
        self.prompt = prompt
        self.continuation = continuation
    }
}
