/// A judge's verdict on one generation, with what it saw and answered.
public struct Judgement: Sendable, Equatable {
    public var verdict: Verdict
    /// Judge-specific figures and answers, written to `evaluation.jsonl`.
    public var details: [String: JSONValue]
    /// Whether the generation and the reference are right, for judges that know (the verifier).
    public var generationCorrect: Bool?
    public var referenceCorrect: Bool?

    public init(verdict: Verdict, details: [String: JSONValue] = [:], generationCorrect: Bool? = nil, referenceCorrect: Bool? = nil) {
        self.verdict = verdict
        self.details = details
        self.generationCorrect = generationCorrect
        self.referenceCorrect = referenceCorrect
    }
}
