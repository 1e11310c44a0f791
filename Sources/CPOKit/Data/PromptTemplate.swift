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
public enum PromptTemplate {
    public static func render(instruction: String, context: String = "") -> String {
        let contextBlock = context.isEmpty ? "" : "### Context:\n\(context)\n\n"
        return "### Instruction:\n\(instruction)\n\n\(contextBlock)### Response:\n"
    }
}
