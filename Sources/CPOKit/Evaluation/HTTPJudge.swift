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

    /// Up to the endpoint's concurrency requests are in flight at once; the judgements, and the
    /// order of the lines added to the cache, are those of asking one question after the other.
    public func judge(_ examples: [EvaluationExample], generations: [String], judged: (Int) -> Void) throws -> [Judgement] {
        let questions = zip(examples, generations).flatMap { example, generation in
            let instruction = example.text.map { $0.context.isEmpty ? $0.instruction : "\($0.instruction)\n\n\($0.context)" } ?? example.prompt
            return [Question(instruction, a: generation, b: example.reference, model: client.endpoint.model),
                    Question(instruction, a: example.reference, b: generation, model: client.endpoint.model)]
        }
        let answers = try answers(to: questions, judged: judged)
        return examples.indices.map { i in
            let (generationFirst, referenceFirst) = (answers[2 * i], answers[2 * i + 1])
            return Judgement(verdict: Self.verdict(generationFirst: generationFirst.outcome, referenceFirst: referenceFirst.outcome),
                             details: ["generation_first": generationFirst.details, "reference_first": referenceFirst.details])
        }
    }

    /// One question in one order; `key` names it in the cache.
    private struct Question {
        let instruction: String, a: String, b: String
        let key: String

        init(_ instruction: String, a: String, b: String, model: String) {
            self.instruction = instruction; self.a = a; self.b = b
            key = VerdictCache.key(model: model, prompt: instruction, a: a, b: b)
        }
    }

    /// The answer to every question: from the cache, else asked. With a cache, a question that
    /// comes twice in the call (a generation equal to its reference reads the same in both orders)
    /// is sent once, and the second has the first's answer as from the cache, as when asking one
    /// after the other. `judged` hears how many examples, two questions each, have both answers.
    private func answers(to questions: [Question], judged: (Int) -> Void) throws -> [(outcome: Outcome, details: JSONValue)] {
        var answers = [(outcome: Outcome, details: JSONValue)?](repeating: nil, count: questions.count)
        // The questions sent, and for each the questions its answer answers, itself first.
        var asked: [Int] = [], answering: [[Int]] = [], askedFor: [String: Int] = [:]
        for (i, question) in questions.enumerated() {
            if let entry = cache?[question.key] {
                answers[i] = Self.outcome(of: entry, cached: true)
            } else if cache != nil, let j = askedFor[question.key] {
                answering[j].append(i)
            } else {
                askedFor[question.key] = asked.count
                asked.append(i)
                answering.append([i])
            }
        }
        var answeredExamples = stride(from: 0, to: questions.count, by: 2).filter { answers[$0] != nil && answers[$0 + 1] != nil }.count
        judged(answeredExamples)
        // Replies reach the cache in the order of the questions, so the file does not depend on
        // which request came back first: `cacheable[j]` waits until every earlier one is back.
        var back = [Bool](repeating: false, count: asked.count)
        var cacheable = [VerdictCache.Entry?](repeating: nil, count: asked.count)
        var stored = 0
        try ConcurrentJobs.run(count: asked.count, width: client.endpoint.concurrency, job: { j in
            let question = questions[asked[j]]
            return try client.complete(system: PairwiseQuestion.system,
                                       user: PairwiseQuestion.message(instruction: question.instruction, a: question.a, b: question.b))
        }, finished: { j, completion in
            let answer: (outcome: Outcome, details: JSONValue), repeated: (outcome: Outcome, details: JSONValue)
            switch completion {
            case let .reply(reply):
                let entry = VerdictCache.Entry(key: questions[asked[j]].key, preference: PairwiseQuestion.parse(reply), reply: Self.kept(reply))
                cacheable[j] = entry
                (answer, repeated) = (Self.outcome(of: entry, cached: false), Self.outcome(of: entry, cached: true))
            case let .failure(reason):
                answer = (.failed(reason: reason), .object(["answer": .string("failed"), "reason": .string(reason)]))
                repeated = answer
            }
            back[j] = true
            while stored < asked.count, back[stored] {
                if let entry = cacheable[stored] { try cache?.store(entry) }
                stored += 1
            }
            for i in answering[j] {
                answers[i] = i == asked[j] ? answer : repeated
                if answers[i ^ 1] != nil { answeredExamples += 1 }
            }
            judged(answeredExamples)
        })
        return answers.map { $0! }
    }

    static func verdict(generationFirst: Outcome, referenceFirst: Outcome) -> Verdict {
        guard case let .preference(first) = generationFirst, case let .preference(second) = referenceFirst else { return .invalid }
        switch (first, second) {
        case (.a, .b): return .win
        case (.b, .a): return .loss
        default: return .tie
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
