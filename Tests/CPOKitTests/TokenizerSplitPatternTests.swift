import XCTest
@testable import CPOKit

/// The hand-written matchers of GPT-2's and Llama 3's split regexes cut text where a regex engine
/// does, on the cases where their alternatives compete: contractions in either case, a symbol or
/// space joining the letters after it, digit runs in threes, symbols taking their line breaks,
/// whitespace runs ending in a line break, and the space a word takes from the run before it.
final class TokenizerSplitPatternTests: XCTestCase {
    private let texts = [
        "I'S it'LL we'Re you'd O'Neil 'tis", "  leading\n\n\ntrailing   ", "a\r\n\r\n  b \n c\t\n  d",
        "12345 ab12c 1,234.5678", "!!\n\n ?? w", "x  y\t\tz", "¿Qué? ¡Sí! naïve café", "日本語のテキスト 123",
        "emoji 🙂🙂 done", "tab\tend\t", "\n", " ", "a", "'", "'l", "' s",
    ]

    func testLlama3MatcherCutsWhereTheRegexDoes() throws {
        let regex = try RegularExpressionPattern(Llama3SplitPattern.pattern)
        XCTAssertTrue(try RegexPattern.make(Llama3SplitPattern.pattern) is Llama3SplitPattern)
        for text in texts { XCTAssertEqual(Llama3SplitPattern().matches(in: text), regex.matches(in: text), text) }
    }

    func testGPT2MatcherCutsWhereTheRegexDoes() throws {
        let regex = try RegularExpressionPattern(RegexPattern.gpt2)
        for text in texts { XCTAssertEqual(GPT2SplitPattern().matches(in: text), regex.matches(in: text), text) }
    }
}
