@testable import CPOKit
import Foundation
import FuzzSupport

// Statics, not globals of main.swift: those are set by its top-level code, which does not run
// when libFuzzer's own main calls LLVMFuzzerTestOneInput.
private enum Fixed {
    static let entry = VerdictCache.Entry(key: "fuzz-key", preference: .a, reply: "A")
}

/// A verdict cache file: read, an entry stored, and read again. Whatever the file held (a line cut
/// by a crash included), the stored entry must come back and the file must read without error.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzVerdictCache(_ start: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let data = FuzzInput.data(start, count)
    let url = FuzzInput.scratchFile
    try! data.write(to: url)
    guard let cache = try? VerdictCache(url: url) else { return 0 }
    _ = cache.warning
    try! cache.store(Fixed.entry)
    do {
        let again = try VerdictCache(url: url)
        FuzzInput.require(again[Fixed.entry.key] == Fixed.entry, "the stored Fixed.entry did not come back")
        FuzzInput.require(again.droppedLine == nil, "a line was cut after the cache was written")
    } catch {
        fatalError("the cache file does not read after a store: \(error)")
    }
    return 0
}

FuzzInput.run(fuzzVerdictCache)
