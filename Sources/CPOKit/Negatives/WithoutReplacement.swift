/// Uniform draws without replacement from 0..<n: the first m entries of a random permutation,
/// made by m steps of Fisher–Yates. Drawing fewer entries from the same stream gives a prefix of
/// the same draw, so the k-th entry is fixed by the stream and k alone.
enum WithoutReplacement {
    static func draw(_ m: Int, from n: Int, random: inout CounterRandom) -> [Int] {
        precondition(0 <= m && m <= n, "cannot draw \(m) of \(n) without replacement")
        var values = Array(0..<n)
        for i in 0..<m {
            values.swapAt(i, Int.random(in: i..<n, using: &random))
        }
        return Array(values.prefix(m))
    }
}
