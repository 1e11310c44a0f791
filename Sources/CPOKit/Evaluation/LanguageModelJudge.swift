import Foundation

/// A language model as a proxy judge: generation and reference are scored by their mean token
/// log-probability given the prompt, each text encoded with the judge's own tokenizer and ended by
/// its end-of-text token. Examples given as token ids (`prompt_ids`, `response_ids`) are scored as
/// those ids, which the judge must share with the model judged: the generated tokens and the
/// reference ids, each without a final end-of-text, then the judge's. The higher mean wins; within
/// `tieTolerance` it is a tie. Where prompt and continuation exceed the judge's context they are cut
/// as training rows are (`SequenceFit`, for the longer one): the prompt keeps its end, both
/// continuations the same number of first tokens. An empty prompt is invalid.
public struct LanguageModelJudge: Judge {
    public let name = "lm"
    public let model: any LanguageModel
    public let tokenizer: any Tokenizer
    public let batchSize: Int
    public static let tieTolerance = 1e-6

    public init(model: any LanguageModel, tokenizer: any Tokenizer, batchSize: Int = 16) {
        self.model = model; self.tokenizer = tokenizer; self.batchSize = batchSize
    }

    /// A judge folder without tokenizer files judges token-id examples only.
    public init(folder: URL, batchSize: Int = 16) throws {
        let (model, tokenizer) = try ModelFolder.load(folder)
        self.init(model: model, tokenizer: tokenizer, batchSize: batchSize)
    }

    public var judgesTokenIDs: Bool { true }

    public func check(_ examples: [EvaluationExample]) throws {
        let vocabularySize = model.config.vocabularySize
        for example in examples {
            if example.text != nil, let reason = tokenizer.textUnavailable {
                throw DataError.invalidSetting(name: "judge-model-dir", reason: "\(example.file):\(example.line) is text, and \(reason)")
            }
            if example.text == nil, let token = (example.promptIDs + example.referenceIDs).first(where: { $0 >= vocabularySize }) {
                throw EvaluationError.tokenOutsideJudgeVocabulary(file: example.file, line: example.line, token: token,
                                                                   vocabularySize: vocabularySize)
            }
        }
    }

    public func judge(_ examples: [EvaluationExample], generations: [String], generationIDs: [[Int32]],
                      judged: (Int) -> Void) throws -> [Judgement] {
        try check(examples)
        let endOfText = tokenizer.endOfText
        var pairs: [(prompt: [Int32], continuation: [Int32])] = []
        // The index of each example's first pair (generation, then reference), nil without a prompt.
        var firstPair: [Int?] = []
        for (i, example) in examples.enumerated() {
            let prompt: [Int32], texts: [[Int32]]
            if example.text == nil {
                prompt = example.promptIDs
                texts = [generationIDs[i], example.referenceIDs].map { Self.withoutFinal(endOfText, $0) + [endOfText] }
            } else {
                prompt = tokenizer.encodePrompt(example.prompt)
                texts = [generations[i], example.reference].map { tokenizer.encode($0) + [endOfText] }
            }
            guard !prompt.isEmpty else {
                firstPair.append(nil)
                continue
            }
            let fit = SequenceFit(promptCount: prompt.count, continuationCount: texts.map(\.count).max()!,
                                  capacity: model.config.maxPositions + 1)
            firstPair.append(pairs.count)
            pairs += texts.map { (Array(prompt.suffix(fit.promptKept)), Array($0.prefix(fit.continuationKept))) }
        }
        // Two pairs an example; an example without a prompt is judged at once.
        let unscored = firstPair.filter { $0 == nil }.count
        let scores = try SequenceScorer.score(model: model, pairs: pairs, batchSize: batchSize, padding: endOfText,
                                              scored: { judged(unscored + $0 / 2) })
        func mean(_ score: SequenceScore) -> Double { score.logProb / Double(score.tokenLogProbs.count) }
        return firstPair.map { first in
            guard let first else {
                return Judgement(verdict: .invalid, details: ["reason": .string("the prompt has no tokens")])
            }
            let generation = mean(scores[first]), reference = mean(scores[first + 1])
            let verdict: Verdict = abs(generation - reference) <= Self.tieTolerance ? .tie : generation > reference ? .win : .loss
            return Judgement(verdict: verdict, details: ["generation_mean_logprob": .number(generation), "reference_mean_logprob": .number(reference)])
        }
    }

    private static func withoutFinal(_ endOfText: Int32, _ ids: [Int32]) -> [Int32] {
        ids.last == endOfText ? Array(ids.dropLast()) : ids
    }
}
