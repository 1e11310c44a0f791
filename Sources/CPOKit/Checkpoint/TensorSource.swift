/// Named tensors a model loads its parameters from: one safetensors file, or the shards of a
/// hub checkpoint. Whatever the stored dtype, tensors are read as Float.
public protocol TensorSource {
    /// What errors name as the source: the file, or the index of a sharded checkpoint.
    var path: String { get }
    var tensorNames: [String] { get }
    /// The tensor's stored shape, nil if there is no such tensor.
    func shape(of name: String) -> [Int]?
    /// Converts the tensor into `destination`, which holds exactly its elements, after checking its shape.
    func read(_ name: String, into destination: UnsafeMutableBufferPointer<Float>, expectedShape: [Int]) throws
}

extension SafetensorsReader: TensorSource {
    public func shape(of name: String) -> [Int]? { entry(name)?.shape }
}

extension ModelWeights: TensorSource {
    public func shape(of name: String) -> [Int]? { entry(name)?.shape }
}
