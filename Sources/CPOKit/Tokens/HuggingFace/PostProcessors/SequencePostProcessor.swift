/// `Sequence`: each post-processor in turn.
struct SequencePostProcessor: PostProcessor {
    let parts: [any PostProcessor]

    func process(_ ids: [Int32]) -> [Int32] { parts.reduce(ids) { $1.process($0) } }
    var prefix: [Int32] { parts.reversed().reduce([]) { $1.prefix + $0 } }
}
