extension InstructionExample {
    /// The response without its final end-of-text: the tokens a meanfield or truncation negative
    /// may change. The end-of-text, when present, stays in place, so a negative ends like the truth.
    func responseBody(endOfText: Int32) -> ArraySlice<Int32> {
        responseIDs.last == endOfText ? responseIDs.dropLast() : responseIDs[...]
    }
}
