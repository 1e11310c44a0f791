@testable import CPOKit
import Foundation
import FuzzSupport

// Statics, not globals of main.swift: those are set by its top-level code, which does not run
// when libFuzzer's own main calls LLVMFuzzerTestOneInput.
private enum Fixed {
    static let gpt2 = try! GPT2Tokenizer(folder: FuzzInput.fixtures.appendingPathComponent("gpt2-tokenizer"))
    static let idsOnly = TokenIDsOnly(vocabularySize: 300, endOfText: 299, reason: "fuzzing")
}

/// The JSONL (and line-numbered JSON) readers: instruction data with a text tokenizer and with
/// token ids only, a run's metrics and evaluation summaries for `cpo report`, and `cpo tokenize`'s
/// records.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONL(_ start: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let data = FuzzInput.data(start, count)
    for tokenizer in [ByteTokenizer() as any Tokenizer, Fixed.gpt2, Fixed.idsOnly] {
        if let examples = try? InstructionFile.parse(data, file: "data.jsonl", tokenizer: tokenizer) {
            let lines = TextLines.lines(of: data)
            for example in examples {
                FuzzInput.require(lines.indices.contains(example.line - 1), "example on line \(example.line) of \(lines.count)")
                FuzzInput.require(example.promptIDs.allSatisfy { (0..<Int32(tokenizer.vocabularySize)).contains($0) }, "prompt id outside the vocabulary")
            }
        }
    }
    _ = try? RunMetrics.parse(data, file: "metrics.jsonl")
    _ = try? ReportJSON.decode(EvaluationSummary.self, from: data, file: "summary.json")
    _ = try? ReportJSON.decode(AlphaSweepSummary.self, from: data, file: "sweep.json")
    _ = try? TokenizationRecords.process(String(decoding: data, as: UTF8.self), file: "records.jsonl", tokenizer: Fixed.gpt2)
    return 0
}

FuzzInput.run(fuzzJSONL)
