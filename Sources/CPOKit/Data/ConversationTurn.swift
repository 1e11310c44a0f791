/// A user turn and the assistant's reply to it: an exchange that comes before the one a
/// conversation's example trains on, and so belongs to its prompt.
public struct ConversationTurn: Sendable, Equatable {
    public let user: String
    public let assistant: String

    public init(user: String, assistant: String) {
        self.user = user
        self.assistant = assistant
    }
}
