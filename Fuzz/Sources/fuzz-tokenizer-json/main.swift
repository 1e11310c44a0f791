@testable import CPOKit
import Foundation
import FuzzSupport

// Statics, not globals of main.swift: those are set by its top-level code, which does not run
// when libFuzzer's own main calls LLVMFuzzerTestOneInput.
private enum Fixed {
    static let folder = URL(fileURLWithPath: "/fuzz")
    static let texts = ["Hello world!", "  spaces\tand\nlines ", "é e\u{301} 中文 🙂", "<s></s><|endoftext|>", "1234567 it's"]
}

/// A tokenizer.json, and after a NUL byte a tokenizer_config.json: read as a folder holding them
/// would be, then used on fixed texts and on the input itself.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizerJSON(_ start: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let data = FuzzInput.data(start, count)
    let (tokenizerJSON, config) = FuzzInput.split(data)
    var files = [HuggingFaceTokenizer.fileName: Data(tokenizerJSON)]
    if let config { files[TokenizerFolder.configFileName] = Data(config) }
    guard let tokenizer = try? HuggingFaceTokenizer(files: files, folder: Fixed.folder) else { return 0 }
    for text in Fixed.texts + [String(decoding: data.prefix(256), as: UTF8.self)] {
        let ids = tokenizer.encode(text)
        let all = tokenizer.withSpecialTokens(ids) + tokenizer.encodePrompt(text)
        FuzzInput.require(all.allSatisfy { (0..<Int32(tokenizer.vocabularySize)).contains($0) }, "an id outside the vocabulary")
        _ = tokenizer.decode(all, keepingSpecialTokens: true)
        _ = tokenizer.decode(ids)
    }
    return 0
}

FuzzInput.run(fuzzTokenizerJSON)
