/// A string of 12–24 lowercase letters, copied (`copy: qwzkeo…` → `qwzkeo…`) or reversed
/// (`reverse: qwzkeo…` → `…oekzwq`): the same prompts, one operation apart.
public struct LettersTask: SyntheticTask {
    public enum Operation: String, Sendable {
        case copy, reverse
    }

    public static let copy = LettersTask(operation: .copy)
    public static let reverse = LettersTask(operation: .reverse)

    public let operation: Operation
    let length = 12...24

    public var name: String { operation.rawValue }
    public var summary: String { "\(operation.rawValue) a string of 12-24 lowercase letters" }

    public func makePayload(using random: inout CounterRandom) -> String {
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        let count = Int.random(in: length, using: &random)
        return String((0..<count).map { _ in letters[Int.random(in: 0..<letters.count, using: &random)] })
    }

    public func answer(toPayload payload: Substring) -> String? {
        guard !payload.isEmpty, payload.allSatisfy({ $0.isASCII && $0.isLowercase }) else { return nil }
        switch operation {
        case .copy: return String(payload)
        case .reverse: return String(payload.reversed())
        }
    }
}
