/// One training example: a prompt and the continuation the model should learn, as token ids.
public struct InstructionExample: Sendable, Equatable {
    /// The rendered prompt (text lines) or `prompt_ids` as given.
    public let promptIDs: [Int32]
    /// The response followed by the tokenizer's end-of-text (text lines) or `response_ids` as given.
    public let responseIDs: [Int32]
    /// Alternative continuations of the same prompt, encoded like the response; often empty.
    public let negativeIDs: [[Int32]]
    /// The texts the ids came from; nil for token-id lines.
    public let text: InstructionText?
    /// 1-based line of the file the example came from (where its JSON array element starts).
    public let line: Int

    public init(promptIDs: [Int32], responseIDs: [Int32], negativeIDs: [[Int32]] = [], text: InstructionText? = nil, line: Int) {
        self.promptIDs = promptIDs
        self.responseIDs = responseIDs
        self.negativeIDs = negativeIDs
        self.text = text
        self.line = line
    }

    /// Renders `text` with `PromptTemplate` (after the tokenizer's BOS, when it has one) and appends
    /// end-of-text to the response and each negative.
    public init(text: InstructionText, line: Int, tokenizer: some Tokenizer) {
        let endOfText = tokenizer.endOfText
        self.init(
            promptIDs: tokenizer.encodePrompt(text.prompt),
            responseIDs: tokenizer.encode(text.response) + [endOfText],
            negativeIDs: text.negatives.map { tokenizer.encode($0) + [endOfText] },
            text: text, line: line)
    }
}

/// The source texts of an instruction example, kept so that evaluation can show them and a
/// synthetic task's verifier can parse the untemplated prompt. A `prompt` field is the instruction;
/// a conversation's last user turn is (`Conversation`).
public struct InstructionText: Sendable, Equatable {
    public let instruction: String
    /// Empty when the line had no context.
    public let context: String
    public let response: String
    public let negatives: [String]
    /// A conversation's system turn; empty otherwise.
    public let system: String
    /// A conversation's exchanges before the one trained on; empty otherwise.
    public let earlierTurns: [ConversationTurn]

    public init(instruction: String, context: String = "", response: String, negatives: [String] = [],
                system: String = "", earlierTurns: [ConversationTurn] = []) {
        self.instruction = instruction
        self.context = context
        self.response = response
        self.negatives = negatives
        self.system = system
        self.earlierTurns = earlierTurns
    }

    /// The prompt as the model sees it, before tokenisation: the template around the instruction,
    /// after a conversation's system turn and earlier exchanges.
    public var prompt: String {
        PromptTemplate.render(system: system, earlierTurns: earlierTurns, instruction: instruction, context: context)
    }
}
