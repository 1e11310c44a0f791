/// How the next token is chosen from the model's logits.
public struct SamplingOptions: Sendable, Equatable {
    /// Always take the most likely token (temperature, top-k and top-p are then ignored).
    public var greedy = false
    public var temperature: Float = 1
    /// Keep only the k most likely tokens; 0 keeps all.
    public var topK = 0
    /// Keep the smallest set of most likely tokens whose probability reaches p; 1 keeps all.
    public var topP: Float = 1
    public var maxNewTokens = 64
    public var seed: UInt64 = 1234

    public init(greedy: Bool = false, temperature: Float = 1, topK: Int = 0, topP: Float = 1, maxNewTokens: Int = 64, seed: UInt64 = 1234) {
        self.greedy = greedy; self.temperature = temperature; self.topK = topK; self.topP = topP
        self.maxNewTokens = maxNewTokens; self.seed = seed
    }

    /// `context`: the model's positions, where known; no continuation outgrows them, so a larger
    /// `maxNewTokens` is a mistake (and one of 10^12 would only run the loop that long).
    public func validate(context: Int? = nil) throws {
        if !(temperature > 0 && temperature.isFinite) {
            throw OptionError(option: "temperature", value: "\(temperature)", allowed: "a finite number > 0 (use --greedy for temperature → 0)")
        }
        if topK < 0 { throw OptionError(option: "top-k", value: "\(topK)", allowed: "a whole number ≥ 0 (0 keeps all tokens)") }
        if !(topP > 0 && topP <= 1) { throw OptionError(option: "top-p", value: "\(topP)", allowed: "a number in (0, 1]") }
        if maxNewTokens < 1 || context.map({ maxNewTokens > $0 }) == true {
            throw OptionError(option: "max-new-tokens", value: "\(maxNewTokens)",
                              allowed: context.map { "a whole number in 1...\($0), the model's context: no continuation is longer" } ?? "a whole number ≥ 1")
        }
    }
}
