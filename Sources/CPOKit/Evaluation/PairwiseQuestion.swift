import Foundation

/// Which of two continuations, shown as A and B, the judge model prefers.
enum PairwisePreference: String, Codable, Sendable {
    case a = "A", b = "B", tie
}

/// The one question the http judge asks, and the strict reading of its answer.
enum PairwiseQuestion {
    static let system = "You compare two responses to the same instruction. You answer with a single token: A, B or tie."

    static func message(instruction: String, a: String, b: String) -> String {
        """
        Which response answers the instruction better? Judge correctness first, then completeness and clarity.

        [Instruction]
        \(instruction)

        [Response A]
        \(a)

        [Response B]
        \(b)

        Answer with exactly one of: A, B, tie. Write nothing else.
        """
    }

    /// The reply, without surrounding whitespace, quotes, asterisks and a final period, must be `A`,
    /// `B` or `tie` (any case); anything else is malformed (nil). A judge that explains itself is not
    /// guessed at.
    static func parse(_ reply: String) -> PairwisePreference? {
        let decoration = CharacterSet.whitespacesAndNewlines.union(CharacterSet(charactersIn: "\"'`*."))
        switch reply.trimmingCharacters(in: decoration).lowercased() {
        case "a": return .a
        case "b": return .b
        case "tie": return .tie
        default: return nil
        }
    }
}
