/// `ByteLevel`: trims the offsets of tokens to exclude spaces, which ids do not carry.
struct ByteLevelPostProcessor: PostProcessor {
    func process(_ ids: [Int32]) -> [Int32] { ids }
    var prefix: [Int32] { [] }
}
