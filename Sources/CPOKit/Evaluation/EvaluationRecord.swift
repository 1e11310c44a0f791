/// One line of `evaluation.jsonl`: a prompt, what the model generated, the reference, and the
/// judge's verdict with its details.
public struct EvaluationRecord: Codable, Sendable, Equatable {
    /// 0-based place among the evaluated examples.
    public var index: Int
    /// 1-based line of the data file.
    public var line: Int
    public var prompt: String
    public var generation: String
    public var reference: String
    public var verdict: Verdict
    public var judge: [String: JSONValue]
    /// Generated tokens, end-of-text not counted.
    public var generationTokens: Int
    public var endedWithEndOfText: Bool
    /// Mean token negative log-likelihood of the reference under the model.
    public var referenceNLL: Double

    enum CodingKeys: String, CodingKey {
        case index, line, prompt, generation, reference, verdict, judge
        case generationTokens = "generation_tokens", endedWithEndOfText = "ended_with_eos", referenceNLL = "reference_nll"
    }
}
