/// One named tensor inside a flat buffer: where it starts and what shape it has.
public struct TensorSpec: Sendable, Equatable {
    public let name: String
    public let shape: [Int]
    public let offset: Int
    public var count: Int { shape.reduce(1, *) }
}

/// The names, shapes and offsets of a set of tensors packed back to back in one flat buffer.
/// The same layout describes parameters, their gradients and the optimizer moments.
public struct TensorLayout: Sendable {
    public private(set) var specs: [TensorSpec] = []
    public private(set) var totalCount = 0
    private var indexByName: [String: Int] = [:]

    public init() {}

    public init(_ entries: [(name: String, shape: [Int])]) {
        for entry in entries { append(entry.name, entry.shape) }
    }

    /// Offsets are rounded up to 16 floats so every tensor starts 64-byte aligned, unless
    /// `aligned` is false: the tensor then starts where the previous one ends, so the two are one
    /// run of memory (Llama's q, k and v projections read the same input: stacked, they are one
    /// matrix for sgemm, and their gradients one too).
    public mutating func append(_ name: String, _ shape: [Int], aligned: Bool = true) {
        precondition(indexByName[name] == nil, "duplicate tensor name \(name)")
        let offset = aligned ? (totalCount + 15) / 16 * 16 : totalCount
        let spec = TensorSpec(name: name, shape: shape, offset: offset)
        indexByName[name] = specs.count
        specs.append(spec)
        totalCount = offset + spec.count
    }

    public subscript(name: String) -> TensorSpec? { indexByName[name].map { specs[$0] } }

    /// A mutable view of one tensor of `buffer`, which must follow this layout.
    public func view(_ name: String, in buffer: FloatBuffer) -> UnsafeMutableBufferPointer<Float> {
        guard let spec = self[name] else { preconditionFailure("no tensor named \(name) in layout") }
        return UnsafeMutableBufferPointer(start: buffer.pointer + spec.offset, count: spec.count)
    }
}
