/// A prompt and its continuation as a model with `positions` positions can take them: whole when
/// they fit, otherwise cut by the rule of training rows (`SequenceFit`): the prompt keeps its last
/// tokens, the continuation its first.
public struct ContextCut: Sendable, Equatable {
    public let prompt: [Int32]
    public let continuation: [Int32]
    /// Tokens dropped from the start of the prompt.
    public let promptTokensCut: Int
    /// Tokens dropped from the end of the continuation.
    public let continuationTokensCut: Int

    public var isCut: Bool { promptTokensCut > 0 || continuationTokensCut > 0 }

    /// For scoring the continuation: prompt and continuation take one position fewer than their
    /// tokens, since the last token is only a target.
    public init(scoring prompt: [Int32], continuation: [Int32], positions: Int) {
        guard prompt.count + continuation.count - 1 > positions else {
            self.init(prompt: prompt, continuation: continuation, promptTokensCut: 0, continuationTokensCut: 0)
            return
        }
        let fit = SequenceFit(promptCount: prompt.count, continuationCount: continuation.count, capacity: positions + 1)
        self.init(prompt: Array(prompt.suffix(fit.promptKept)), continuation: Array(continuation.prefix(fit.continuationKept)),
                  promptTokensCut: prompt.count - fit.promptKept, continuationTokensCut: continuation.count - fit.continuationKept)
    }

    /// For generating up to `maxNewTokens` after `prompt`. Only a prompt longer than the context is
    /// cut, as if `maxNewTokens` were its continuation: it then leaves them room, but keeps at least
    /// half the context. A prompt that fits is never cut, so a long `maxNewTokens` does not cost a
    /// prompt its start; its continuation ends where the context does.
    public init(generating prompt: [Int32], maxNewTokens: Int, positions: Int) {
        guard prompt.count > positions else {
            self.init(prompt: prompt, continuation: [], promptTokensCut: 0, continuationTokensCut: 0)
            return
        }
        let fit = SequenceFit(promptCount: prompt.count, continuationCount: maxNewTokens, capacity: positions + 1)
        self.init(prompt: Array(prompt.suffix(fit.promptKept)), continuation: [], promptTokensCut: prompt.count - fit.promptKept,
                  continuationTokensCut: 0)
    }

    private init(prompt: [Int32], continuation: [Int32], promptTokensCut: Int, continuationTokensCut: Int) {
        self.prompt = prompt
        self.continuation = continuation
        self.promptTokensCut = promptTokensCut
        self.continuationTokensCut = continuationTokensCut
    }
}
