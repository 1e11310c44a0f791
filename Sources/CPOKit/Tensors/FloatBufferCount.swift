/// The floats of every `FloatBuffer` a value holds through its stored properties, each buffer
/// counted once however many hold it (the layers of `.blocks` recomputation share one block's).
/// The memory plan learns a model's buffers here, from the buffers themselves, so that it cannot
/// drift from what the model allocates. Buffers of 2 MB and more are mapped untouched, so making
/// an object only to count it costs address space, not memory.
enum FloatBufferCount {
    static func floats(in value: Any) -> Int {
        var seen = Set<ObjectIdentifier>()
        return floats(in: value, seen: &seen)
    }

    private static func floats(in value: Any, seen: inout Set<ObjectIdentifier>) -> Int {
        if let buffer = value as? FloatBuffer {
            return seen.insert(ObjectIdentifier(buffer)).inserted ? buffer.count : 0
        }
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .class, !seen.insert(ObjectIdentifier(value as AnyObject)).inserted { return 0 }
        // Arrays of numbers (token ids) hold no buffer; walking them element by element would be slow.
        if value is [Int32] || value is [Int] || value is [Float] { return 0 }
        return mirror.children.reduce(0) { $0 + floats(in: $1.value, seen: &seen) }
    }
}
