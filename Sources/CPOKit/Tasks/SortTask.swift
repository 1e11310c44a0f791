/// `sort: 4 7 9 7 0 5` → `0 4 5 7 7 9`: 6–12 one-digit integers, space-separated, ascending.
/// One digit per number keeps every number one byte-level token, so a small model learns the task in
/// minutes; the answer is still long enough that one wrong token early spoils it.
public struct SortTask: SyntheticTask {
    public let name = "sort"
    public let summary = "sort 6-12 one-digit integers ascending"
    let count = 6...12
    let values = 0...9

    public init() {}

    public func makePayload(using random: inout CounterRandom) -> String {
        let length = Int.random(in: count, using: &random)
        return (0..<length).map { _ in String(Int.random(in: values, using: &random)) }.joined(separator: " ")
    }

    public func answer(toPayload payload: Substring) -> String? {
        var numbers: [Int] = []
        for field in payload.split(separator: " ", omittingEmptySubsequences: false) {
            guard let number = CanonicalInteger.parse(field) else { return nil }
            numbers.append(number)
        }
        return numbers.sorted().map(String.init).joined(separator: " ")
    }
}
