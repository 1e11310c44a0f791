/// What is wrong with a checkpoint folder; every case names the folder or the file inside it, and
/// the tensor where one is at fault. Safetensors defects surface as `SafetensorsError`, write
/// failures as `AtomicFileError`.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    /// The folder lacks its manifest, or a file disagrees with it: the writer never finished.
    case incomplete(folder: String, reason: String)
    /// A file has the size the manifest records but not its checksum.
    case damaged(file: String, reason: String)
    /// A model folder with a manifest that its files do not match, loaded as `--model`.
    indirect case untrusted(folder: String, defect: CheckpointError)
    case missingFile(file: String)
    /// None of the names a layout tensor may go by is in the file.
    case missingTensor(file: String, tensor: String, triedNames: [String])
    case malformed(file: String, reason: String)
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case let .incomplete(folder, reason): return "\(folder): incomplete checkpoint: \(reason)"
        case let .damaged(file, reason): return "\(file): damaged checkpoint file: \(reason)"
        case let .untrusted(folder, defect):
            return "\(defect) (a folder changed on purpose loads as a plain model folder once its \(CheckpointFolder.manifestFile) is removed: rm \(folder)/\(CheckpointFolder.manifestFile))"
        case let .missingFile(file): return "\(file): missing"
        case let .missingTensor(file, tensor, triedNames):
            return "\(file): tensor '\(tensor)' is missing (looked for \(triedNames.map { "'\($0)'" }.joined(separator: ", ")))"
        case let .malformed(file, reason): return "\(file): \(reason)"
        case let .unreadable(path, reason): return "\(path): cannot read: \(reason)"
        }
    }
}
