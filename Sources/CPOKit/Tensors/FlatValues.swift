/// The values of a flat buffer, handed out front to back in consecutive pieces: how a checkpoint
/// reads a buffer that may live in one process (a `FloatBuffer`, one piece) or be spread over the
/// ranks (`GatheredShards`, which gathers one piece at a time), so neither needs a second whole copy.
public protocol FlatValues {
    var count: Int { get }
    /// Calls `body` with pieces that together are elements `0 ..< count`, in order.
    func forEachPiece(_ body: (UnsafeBufferPointer<Float>) throws -> Void) throws
}

extension FloatBuffer: FlatValues {
    public func forEachPiece(_ body: (UnsafeBufferPointer<Float>) throws -> Void) throws {
        try body(UnsafeBufferPointer(buffer))
    }
}
