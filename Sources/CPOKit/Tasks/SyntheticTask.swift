/// A built-in task with exactly one right answer per prompt, so tiny models can be trained and
/// judged without a human or a model as judge.
///
/// Example i of a seed is drawn from `CounterRandom(seed:, domain: .synthesis, example: i)`, so it
/// is the same however many examples are made. Prompts are `"<name>: <payload>"`.
public protocol SyntheticTask: Sendable {
    /// The name `cpo data synth --task` takes.
    var name: String { get }
    /// One line saying what the model must do, for help text.
    var summary: String { get }
    /// The payload of a random prompt.
    func makePayload(using random: inout CounterRandom) -> String
    /// The right response to a prompt's payload, or nil if it is not a payload of this task.
    func answer(toPayload payload: Substring) -> String?
}

/// A prompt of a synthetic task and its right response, as texts.
public struct SyntheticExample: Sendable, Equatable {
    public let prompt: String
    public let response: String
}

extension SyntheticTask {
    public func example(seed: UInt64, index: Int) -> SyntheticExample {
        var random = CounterRandom(seed: seed, domain: .synthesis, example: index)
        let prompt = "\(name): \(makePayload(using: &random))"
        guard let response = answer(to: prompt) else { preconditionFailure("task \(name) cannot answer its own prompt \(prompt)") }
        return SyntheticExample(prompt: prompt, response: response)
    }

    /// The right response to `prompt`, or nil if it is not a prompt of this task.
    public func answer(to prompt: String) -> String? {
        let prefix = "\(name): "
        guard prompt.hasPrefix(prefix) else { return nil }
        return answer(toPayload: prompt.dropFirst(prefix.count))
    }

    /// Exact: `response` must be the right answer, and may differ from it only by trailing whitespace.
    public func isCorrect(prompt: String, response: String) -> Bool {
        guard let answer = answer(to: prompt) else { return false }
        var trimmed = Substring(response)
        while trimmed.last?.isWhitespace == true { trimmed.removeLast() }
        return trimmed == answer
    }
}
