/// `sort: 42 7 93 7 0 15` → `0 7 7 15 42 93`: 6–12 integers in 0–99, space-separated, ascending.
public struct SortTask: SyntheticTask {
    public let name = "sort"
    public let summary = "sort 6-12 integers in 0-99 ascending"
    let count = 6...12
    let values = 0...99

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
