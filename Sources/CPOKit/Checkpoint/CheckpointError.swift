/// What is wrong with a checkpoint folder; every case names the folder or the file inside it, and
/// the tensor where one is at fault. Safetensors defects surface as `SafetensorsError`, write
/// failures as `AtomicFileError`.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    /// The folder lacks its manifest, or a file disagrees with it: the writer never finished.
    case incomplete(folder: String, reason: String)
    case missingFile(file: String)
    /// None of the names a layout tensor may go by is in the file.
    case missingTensor(file: String, tensor: String, triedNames: [String])
    case malformed(file: String, reason: String)
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case let .incomplete(folder, reason): return "\(folder): incomplete checkpoint: \(reason)"
        case let .missingFile(file): return "\(file): missing"
        case let .missingTensor(file, tensor, triedNames):
            return "\(file): tensor '\(tensor)' is missing (looked for \(triedNames.map { "'\($0)'" }.joined(separator: ", ")))"
        case let .malformed(file, reason): return "\(file): \(reason)"
        case let .unreadable(path, reason): return "\(path): cannot read: \(reason)"
        }
    }
}
