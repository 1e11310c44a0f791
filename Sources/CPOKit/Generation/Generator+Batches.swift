extension Generator {
    /// Continues `prompts[i]` for each i of `items`, `batchSize` prompts at a time, and returns
    /// their continuations in the order of `items`. Prompt i draws from stream (0, i, 0) whichever
    /// batch or rank continues it, so splitting the items changes no sample. `generated` hears how
    /// many are done: 0 first, then after each batch.
    public func generate(prompts: [[Int32]], items: [Int], options: SamplingOptions, batchSize: Int,
                         generated: (Int) -> Void = { _ in }) throws -> [Continuation] {
        precondition(batchSize >= 1, "batch size must be at least 1")
        var continuations: [Continuation] = []
        generated(0)
        for start in stride(from: 0, to: items.count, by: batchSize) {
            let batch = items[start ..< min(start + batchSize, items.count)]
            continuations += try generate(prompts: batch.map { prompts[$0] }, options: options, streams: batch.map { SampleStream(example: $0) })
            generated(continuations.count)
        }
        return continuations
    }
}
