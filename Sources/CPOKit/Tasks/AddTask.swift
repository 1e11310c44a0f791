/// `add: 48213907 + 5501839920471` → `5501888134378`: two operands of 8–15 digits each (no leading
/// zeros), so the sum fits an `Int` with room to spare.
public struct AddTask: SyntheticTask {
    public let name = "add"
    public let summary = "add two integers of 8-15 digits"
    let digits = 8...15

    public init() {}

    public func makePayload(using random: inout CounterRandom) -> String {
        func operand() -> String {
            let length = Int.random(in: digits, using: &random)
            let leading = String(Int.random(in: 1...9, using: &random))
            return leading + (1..<length).map { _ in String(Int.random(in: 0...9, using: &random)) }.joined()
        }
        let left = operand()
        return "\(left) + \(operand())"
    }

    public func answer(toPayload payload: Substring) -> String? {
        let operands = payload.split(separator: " + ", omittingEmptySubsequences: false)
        guard operands.count == 2, let left = CanonicalInteger.parse(operands[0]), let right = CanonicalInteger.parse(operands[1])
        else { return nil }
        let (sum, overflow) = left.addingReportingOverflow(right)
        return overflow ? nil : String(sum)
    }
}
