/// One turn of a `messages` record: `{"role": "user", "content": "…"}`, as chat datasets and
/// TRL's conversational format write them.
struct ChatMessage: Decodable, Equatable {
    let role: String
    let content: String
}
