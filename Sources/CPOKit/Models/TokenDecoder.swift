/// Generation with a KV cache for a batch of `rows` sequences: `prefill` runs the prompts, then each
/// `decode` appends one token per unfinished row and returns next-token logits. A decoder serves
/// the weights its model had when it was made.
public protocol TokenDecoder: AnyObject {
    var rows: Int { get }
    /// Most tokens a row can hold (prompt and generated).
    var capacity: Int { get }
    /// Tokens cached per row.
    var lengths: [Int] { get }
    /// Empties the cache, runs one non-empty prompt per row and returns each row's next-token
    /// logits, [rows, V], valid until the next call.
    func prefill(_ prompts: [[Int32]]) throws -> UnsafeBufferPointer<Float>
    /// Appends `tokens[row]` to each row whose token is not nil and returns next-token logits
    /// [rows, V]; rows given nil are skipped and keep their previous logits.
    func decode(_ tokens: [Int32?]) throws -> UnsafeBufferPointer<Float>
}
