/// The exact checkers of the built-in tasks: the task is the one whose `name: ` starts the prompt.
/// A win is a right generation against a wrong reference, a loss the reverse, a tie both right or
/// both wrong; the judgements also say which was right, for accuracy.
public struct VerifierJudge: TextJudge {
    public let name = "verifier"

    public init() {}

    public func check(_ examples: [EvaluationExample]) throws {
        for example in examples { _ = try Self.task(for: example) }
    }

    public func judge(_ examples: [EvaluationExample], generations: [String], judged: (Int) -> Void) throws -> [Judgement] {
        let judgements = try zip(examples, generations).map { example, generation in
            let (task, instruction) = try Self.task(for: example)
            let generationCorrect = task.isCorrect(prompt: instruction, response: generation)
            let referenceCorrect = task.isCorrect(prompt: instruction, response: example.reference)
            let verdict: Verdict = generationCorrect == referenceCorrect ? .tie : generationCorrect ? .win : .loss
            return Judgement(verdict: verdict,
                             details: ["task": .string(task.name), "generation_correct": .bool(generationCorrect),
                                       "reference_correct": .bool(referenceCorrect)],
                             generationCorrect: generationCorrect, referenceCorrect: referenceCorrect)
        }
        // Exact checks take microseconds: nothing to tell before they are all done.
        judged(examples.count)
        return judgements
    }

    private static func task(for example: EvaluationExample) throws -> (any SyntheticTask, instruction: String) {
        guard let instruction = example.text?.instruction,
              let task = SyntheticTasks.all.first(where: { instruction.hasPrefix("\($0.name): ") }) else {
            throw EvaluationError.noBuiltInTask(file: example.file, line: example.line, tasks: SyntheticTasks.names)
        }
        return (task, instruction)
    }
}
