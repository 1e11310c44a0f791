import Foundation

/// Remembers the token ids of each pre-token already merged: natural text repeats a small set of
/// words, so this turns BPE from the dominant cost of encoding into a dictionary lookup. Shared by
/// copies of a tokenizer and safe to use from several threads.
final class WordCache: @unchecked Sendable {
    private var idsForWord: [[UInt8]: [Int32]] = [:]
    private let lock = NSLock()
    /// Emptied when it reaches this many words, so a long run over varied text cannot grow it
    /// without bound.
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    func ids(for word: ArraySlice<UInt8>, making make: (ArraySlice<UInt8>) -> [Int32]) -> [Int32] {
        let key = Array(word)
        lock.lock()
        let cached = idsForWord[key]
        lock.unlock()
        if let cached { return cached }

        let ids = make(word)
        lock.lock()
        if idsForWord.count >= capacity { idsForWord.removeAll(keepingCapacity: true) }
        idsForWord[key] = ids
        lock.unlock()
        return ids
    }
}
