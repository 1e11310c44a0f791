/// The one prompt template for text instruction data. Tiny byte-level models pay for every byte,
/// so it is short:
///
///     ### Instruction:
///     {instruction}
///
///     ### Context:
///     {context}
///
///     ### Response:
///
/// i.e. `"### Instruction:\n{instruction}\n\n### Context:\n{context}\n\n### Response:\n"`, where the
/// `### Context:` block (up to and including its blank line) appears only when the context is not
/// the empty string. The response follows the final newline directly.
///
/// A conversation (`Conversation`) puts its system turn, when not empty, and a blank line before
/// the first block, and each earlier exchange before the last: the user turn rendered as an
/// instruction, then the assistant's reply and a blank line.
public enum PromptTemplate {
    public static func render(instruction: String, context: String = "") -> String {
        let contextBlock = context.isEmpty ? "" : "### Context:\n\(context)\n\n"
        return "### Instruction:\n\(instruction)\n\n\(contextBlock)### Response:\n"
    }

    public static func render(system: String, earlierTurns: [ConversationTurn], instruction: String, context: String = "") -> String {
        let preamble = system.isEmpty ? "" : "\(system)\n\n"
        let history = earlierTurns.map { render(instruction: $0.user) + $0.assistant + "\n\n" }.joined()
        return preamble + history + render(instruction: instruction, context: context)
    }
}
