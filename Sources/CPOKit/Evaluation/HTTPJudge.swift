import Foundation

/// A chat model behind an OpenAI-compatible endpoint as judge. Each example is asked twice, the
/// generation as A and the reference as B, then the other way round, to cancel position bias:
/// preferred in both orders is a win, the reference preferred in both a loss, disagreement or an
/// explicit tie a tie. A malformed answer, or a request refused or still failing after its retries,
/// in either order makes the verdict invalid.
public final class HTTPJudge: TextJudge {
    public let name = "http"
    private let client: ChatCompletionClient
    private let cache: VerdictCache?

    /// HTTP requests sent so far, retries included (cached answers send none).
    public var requestCount: Int { client.requestCount }
    /// What opening the cache found that the user should hear about (a line cut off by a crash).
    public var cacheWarning: String? { cache?.warning }

    public init(endpoint: ChatCompletionEndpoint, cache: URL? = nil) throws {
        try endpoint.validate()
        client = ChatCompletionClient(endpoint: endpoint)
        self.cache = try cache.map { try VerdictCache(url: $0) }
    }

    /// One order's outcome.
    enum Outcome: Equatable {
        case preference(PairwisePreference)
        case malformed(reply: String)
        case failed(reason: String)
    }

    public func judge(_ examples: [EvaluationExample], generations: [String]) throws -> [Judgement] {
        try zip(examples, generations).map { example, generation in
            let instruction = example.text.map { $0.context.isEmpty ? $0.instruction : "\($0.instruction)\n\n\($0.context)" } ?? example.prompt
            let generationFirst = try ask(instruction, a: generation, b: example.reference)
            let referenceFirst = try ask(instruction, a: example.reference, b: generation)
            return Judgement(verdict: Self.verdict(generationFirst: generationFirst.outcome, referenceFirst: referenceFirst.outcome),
                             details: ["generation_first": generationFirst.details, "reference_first": referenceFirst.details])
        }
    }

    static func verdict(generationFirst: Outcome, referenceFirst: Outcome) -> Verdict {
        guard case let .preference(first) = generationFirst, case let .preference(second) = referenceFirst else { return .invalid }
        switch (first, second) {
        case (.a, .b): return .win
        case (.b, .a): return .loss
        default: return .tie
        }
    }

    private func ask(_ instruction: String, a: String, b: String) throws -> (outcome: Outcome, details: JSONValue) {
        let key = VerdictCache.key(model: client.endpoint.model, prompt: instruction, a: a, b: b)
        if let entry = cache?[key] { return Self.outcome(of: entry, cached: true) }
        switch try client.complete(system: PairwiseQuestion.system, user: PairwiseQuestion.message(instruction: instruction, a: a, b: b)) {
        case let .reply(reply):
            let entry = VerdictCache.Entry(key: key, preference: PairwiseQuestion.parse(reply), reply: Self.kept(reply))
            try cache?.store(entry)
            return Self.outcome(of: entry, cached: false)
        case let .failure(reason):
            return (.failed(reason: reason), .object(["answer": .string("failed"), "reason": .string(reason)]))
        }
    }

    /// A reply kept in the cache and in `evaluation.jsonl` is cut to this many characters: an answer
    /// is a word, and a malformed one needs no more to show what went wrong.
    static let keptReplyCharacters = 1000

    static func kept(_ reply: String) -> String {
        reply.count <= keptReplyCharacters ? reply : reply.prefix(keptReplyCharacters) + "… (cut; \(reply.count) characters in all)"
    }

    private static func outcome(of entry: VerdictCache.Entry, cached: Bool) -> (outcome: Outcome, details: JSONValue) {
        let outcome: Outcome = entry.preference.map { .preference($0) } ?? .malformed(reply: entry.reply)
        return (outcome, .object(["answer": .string(entry.preference?.rawValue ?? "malformed"), "reply": .string(entry.reply),
                                  "cached": .bool(cached)]))
    }
}
