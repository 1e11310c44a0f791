/// A `messages` record read as one instruction example, by these rules:
/// - the last turn must be the assistant's: it is the response;
/// - the user turn before it is the instruction;
/// - earlier turns, which must alternate user, assistant, go into the prompt before it, each
///   exchange rendered with the template and followed by its reply (`PromptTemplate`), so one
///   line of a multi-turn conversation trains its last reply only;
/// - a system turn may come first only, and opens the prompt as a preamble (Alpaca's "Below is
///   an instruction…" sits in the same place); an empty one is dropped.
/// Other roles (tool, function) are an error, as is anything out of this order.
struct Conversation {
    let system: String
    let earlierTurns: [ConversationTurn]
    let instruction: String
    let response: String

    init(_ messages: [ChatMessage]) throws {
        let roles = ["system", "user", "assistant"]
        if let odd = messages.firstIndex(where: { !roles.contains($0.role) }) {
            throw RecordProblem("messages[\(odd)]: role '\(messages[odd].role)' is not read (only system, user and assistant)")
        }
        let hasSystem = messages.first?.role == "system"
        let turns = messages.dropFirst(hasSystem ? 1 : 0)
        for (index, message) in zip(turns.indices, turns) {
            let expected = (index - turns.startIndex) % 2 == 0 ? "user" : "assistant"
            guard message.role == expected else {
                throw RecordProblem(message.role == "system" ? "messages[\(index)]: a system turn is read only as the first turn"
                                    : "messages[\(index)]: \(message.role == "user" ? "a user" : "an assistant") turn where "
                                      + "\(expected == "user" ? "a user" : "an assistant") turn is due (turns alternate user, assistant)")
            }
        }
        guard let last = turns.last else { throw RecordProblem("messages has no user and assistant turns") }
        guard last.role == "assistant" else {
            throw RecordProblem("messages[\(messages.count - 1)]: the last turn must be the assistant's (its content is the response), is the user's")
        }
        guard !last.content.isEmpty else { throw RecordProblem("empty response") }
        let contents = turns.map(\.content)
        system = hasSystem ? messages[0].content : ""
        earlierTurns = stride(from: 0, to: contents.count - 2, by: 2).map { ConversationTurn(user: contents[$0], assistant: contents[$0 + 1]) }
        instruction = contents[contents.count - 2]
        response = last.content
    }
}
