/// The tokens one call of a KV-cache decoder runs: token i goes into cache row `rows[i]` at
/// position `positions[i]`, and the call returns the logits after the tokens listed in `outputs`,
/// each in the row of the decoder's logits that its token's cache row names.
struct DecodeEntries {
    let tokens: [Int32]
    let rows: [Int]
    let positions: [Int]
    let outputs: [Int]

    /// A prefill: one non-empty prompt per row of a decoder of `rows` rows, each from position 0.
    init(prompts: [[Int32]], rows: Int, capacity: Int, vocabularySize: Int) throws {
        guard prompts.count == rows else {
            throw ModelError.invalidBatch(input: "prompts", reason: "\(prompts.count) prompts for a decoder of \(rows) rows")
        }
        for (row, prompt) in prompts.enumerated() where !(1...capacity).contains(prompt.count) {
            throw ModelError.invalidBatch(input: "prompts[\(row)]", reason: "\(prompt.count) tokens; a prompt needs 1...\(capacity)")
        }
        for (row, prompt) in prompts.enumerated() { try Self.checkVocabulary(prompt, row: row, vocabularySize: vocabularySize) }
        tokens = prompts.flatMap { $0 }
        self.rows = prompts.indices.flatMap { row in Array(repeating: row, count: prompts[row].count) }
        positions = prompts.flatMap { $0.indices }
        var end = 0
        outputs = prompts.map { prompt -> Int in
            end += prompt.count
            return end - 1
        }
    }

    /// A decode step: `step[row]` appended to each row whose token is not nil, after its `lengths[row]` cached tokens.
    init(step: [Int32?], lengths: [Int], capacity: Int, vocabularySize: Int) throws {
        guard step.count == lengths.count else {
            throw ModelError.invalidBatch(input: "tokens", reason: "\(step.count) tokens for a decoder of \(lengths.count) rows")
        }
        let active = step.indices.filter { step[$0] != nil }
        if let full = active.first(where: { lengths[$0] == capacity }) {
            throw ModelError.invalidBatch(input: "tokens[\(full)]", reason: "the row's cache is full (\(capacity) tokens)")
        }
        for row in active { try Self.checkVocabulary([step[row]!], row: row, vocabularySize: vocabularySize) }
        tokens = active.map { step[$0]! }
        rows = active
        positions = active.map { lengths[$0] }
        outputs = Array(active.indices)
    }

    /// Whether the outputs are every one of the decoder's `rows` rows in order (a prefill, or a step
    /// with no row finished): then the LM head can write the decoder's logits in place.
    func outputsFillInOrder(rows: Int) -> Bool {
        outputs.count == rows && outputs.indices.allSatisfy { self.rows[outputs[$0]] == $0 }
    }

    /// Copies the output tokens' rows of `states` ([tokens, width]) into `selected` ([outputs, width]).
    func selectOutputs(_ states: UnsafePointer<Float>, width: Int, into selected: UnsafeMutablePointer<Float>) {
        for (i, entry) in outputs.enumerated() { (selected + i * width).update(from: states + entry * width, count: width) }
    }

    /// Copies the outputs' logits ([outputs, V]) into the rows of the decoder's `logits` ([rows, V]) they belong to.
    func scatterOutputs(_ selected: UnsafePointer<Float>, vocabularySize: Int, into logits: UnsafeMutablePointer<Float>) {
        for (i, entry) in outputs.enumerated() {
            (logits + rows[entry] * vocabularySize).update(from: selected + i * vocabularySize, count: vocabularySize)
        }
    }

    /// The rows' cached lengths once these tokens are in.
    func update(_ lengths: inout [Int]) {
        for (entry, row) in rows.enumerated() { lengths[row] = max(lengths[row], positions[entry] + 1) }
    }

    private static func checkVocabulary(_ tokens: [Int32], row: Int, vocabularySize: Int) throws {
        if let token = tokens.first(where: { !(0..<Int32(vocabularySize)).contains($0) }) {
            throw ModelError.invalidBatch(input: "tokens of row \(row)", reason: "id \(token) is outside the vocabulary 0..<\(vocabularySize)")
        }
    }
}
