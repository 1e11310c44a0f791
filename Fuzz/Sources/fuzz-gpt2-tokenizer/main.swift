@testable import CPOKit
import Foundation
import FuzzSupport

// Statics, not globals of main.swift: those are set by its top-level code, which does not run
// when libFuzzer's own main calls LLVMFuzzerTestOneInput.
private enum Fixed {
    static let tokens = ByteLevelAlphabet.scalarForByte.map { String($0) } + ["Ġt", "he", "Ġthe", "in", "Ġa", "er", GPT2Tokenizer.endOfTextToken]
    static let texts = ["the theme", " a tin", "Hello, world!\n", "<|endoftext|> é 🙂"]
}

/// GPT-2's vocab.json, and after a NUL byte a merges.txt: the vocabulary is read on its own, the
/// merges against a small byte-level vocabulary (every byte, a few merged tokens), and a
/// tokenizer made of them is used on fixed texts and on the input itself.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGPT2Tokenizer(_ start: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let data = FuzzInput.data(start, count)
    let (vocabulary, merges) = FuzzInput.split(data)
    if let read = try? GPT2Tokenizer.parseVocabulary(Data(vocabulary), file: "vocab.json") {
        FuzzInput.require(read.count >= 257, "a vocabulary without every byte and <|endoftext|> was accepted")
    }
    guard let merges, let rules = try? GPT2Tokenizer.parseMerges(Data(merges), file: "merges.txt", tokens: Fixed.tokens) else { return 0 }
    let tokenizer = GPT2Tokenizer(tokens: Fixed.tokens, mergeRules: rules)
    for text in Fixed.texts + [String(decoding: merges.prefix(256), as: UTF8.self)] {
        let ids = tokenizer.encode(text)
        FuzzInput.require(ids.allSatisfy { (0..<Int32(Fixed.tokens.count)).contains($0) }, "an id outside the vocabulary")
        FuzzInput.require(tokenizer.decode(ids) == text, "encoding then decoding changed '\(text)'")
    }
    return 0
}

FuzzInput.run(fuzzGPT2Tokenizer)
