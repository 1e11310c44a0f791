/// Non-negative integers written the one way a task writes them: decimal digits, no sign, no
/// leading zero. A verifier that accepted `007` or `+7` would pass answers the task never teaches.
enum CanonicalInteger {
    static func parse(_ text: Substring) -> Int? {
        guard let first = text.first, first.isASCII, first.isNumber, first != "0" || text.count == 1,
              text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }
}
