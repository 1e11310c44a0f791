import Foundation
import XCTest
@testable import CPOKit

/// `messages` lines (issue 14, item 13): the last turn, the assistant's, is the response; the user
/// turn before it the instruction; earlier exchanges and a first system turn go into the prompt.
final class DataMessagesTests: XCTestCase {
    private let tokenizer = ByteTokenizer()

    private func parse(_ line: String) throws -> InstructionExample {
        try InstructionFile.parse(Data(line.utf8), file: "chat.jsonl", tokenizer: tokenizer)[0]
    }

    func testOneExchangeIsAnInstructionAndItsResponse() throws {
        let example = try parse(#"{"messages": [{"role": "user", "content": "Name a colour."}, {"role": "assistant", "content": "Blue."}]}"#)
        XCTAssertEqual(example.text, InstructionText(instruction: "Name a colour.", response: "Blue."))
        XCTAssertEqual(example.promptIDs, tokenizer.encode("### Instruction:\nName a colour.\n\n### Response:\n"))
        XCTAssertEqual(example.responseIDs, tokenizer.encode("Blue.") + [tokenizer.endOfText])
    }

    func testSystemTurnOpensThePromptAndEarlierTurnsPrecedeTheLast() throws {
        let example = try parse(#"""
            {"messages": [{"role": "system", "content": "Answer briefly."},
                          {"role": "user", "content": "Hi."}, {"role": "assistant", "content": "Hello."},
                          {"role": "user", "content": "Name a colour."}, {"role": "assistant", "content": "Blue."}],
             "rejected": "Seven."}
            """#.replacingOccurrences(of: "\n", with: " "))
        let prompt = "Answer briefly.\n\n### Instruction:\nHi.\n\n### Response:\nHello.\n\n### Instruction:\nName a colour.\n\n### Response:\n"
        XCTAssertEqual(example.text?.prompt, prompt)
        XCTAssertEqual(example.promptIDs, tokenizer.encode(prompt))
        XCTAssertEqual(example.text?.instruction, "Name a colour.")
        XCTAssertEqual(example.text?.system, "Answer briefly.")
        XCTAssertEqual(example.text?.earlierTurns, [ConversationTurn(user: "Hi.", assistant: "Hello.")])
        XCTAssertEqual(example.responseIDs, tokenizer.encode("Blue.") + [tokenizer.endOfText])
        XCTAssertEqual(example.negativeIDs, [tokenizer.encode("Seven.") + [tokenizer.endOfText]])
        // Evaluation and generation prompt with the same text the example was trained on.
        XCTAssertEqual(EvaluationExample(example, file: "chat.jsonl", tokenizer: tokenizer).prompt, prompt)
    }

    func testAnEmptySystemTurnAddsNothing() throws {
        let example = try parse(#"{"messages": [{"role": "system", "content": ""}, {"role": "user", "content": "u"}, {"role": "assistant", "content": "a"}]}"#)
        XCTAssertEqual(example.promptIDs, tokenizer.encode(PromptTemplate.render(instruction: "u")))
    }

    func testConversationsOutOfOrderAreNamed() throws {
        func turns(_ roles: [String]) -> String {
            "{\"messages\": [" + roles.map { "{\"role\": \"\($0)\", \"content\": \"x\"}" }.joined(separator: ", ") + "]}"
        }
        let cases: [(line: String, fault: String)] = [
            (turns(["user", "assistant", "user"]), "messages[2]: the last turn must be the assistant's (its content is the response), is the user's"),
            (turns(["user", "user", "assistant"]), "messages[1]: a user turn where an assistant turn is due (turns alternate user, assistant)"),
            (turns(["assistant"]), "messages[0]: an assistant turn where a user turn is due (turns alternate user, assistant)"),
            (turns(["user", "system", "assistant"]), "messages[1]: a system turn is read only as the first turn"),
            (turns(["user", "tool", "assistant"]), "messages[1]: role 'tool' is not read (only system, user and assistant)"),
            (turns(["system"]), "messages has no user and assistant turns"),
            (turns([]), "messages has no user and assistant turns"),
            (#"{"messages": [{"role": "user", "content": "u"}, {"role": "assistant", "content": ""}]}"#, "empty response"),
            (#"{"messages": [{"role": "user", "content": "u"}, {"role": "assistant", "content": "a"}], "prompt": "p"}"#,
             "has both 'messages' and 'prompt'"),
            (#"{"messages": [{"role": "user", "content": [{"type": "text", "text": "u"}]}]}"#,
             "field 'messages' must be a list of {\"role\": …, \"content\": \"…\"} objects whose content is a string (at messages[0].content)"),
            (#"{"messages": [{"content": "u"}]}"#, "messages[0]: missing field 'role'"),
        ]
        for (line, fault) in cases {
            XCTAssertThrowsError(try parse(line), line) { error in XCTAssertEqual("\(error)", "chat.jsonl:1: \(fault)", line) }
        }
    }
}
