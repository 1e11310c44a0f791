/// What is wrong with a GPT-2 configuration, checkpoint or batch; each case names the file, field,
/// tensor or input at fault. Missing tensors and wrong shapes are `SafetensorsError`s.
public enum GPT2Error: Error, CustomStringConvertible, Equatable {
    case unknownPreset(name: String, allowed: [String])
    /// `file` is nil for a configuration built in code.
    case invalidConfig(file: String?, field: String, reason: String)
    case unreadableConfig(file: String, reason: String)
    case unexpectedTensor(file: String, tensor: String)
    case invalidBatch(input: String, reason: String)

    public var description: String {
        switch self {
        case let .unknownPreset(name, allowed):
            return "unknown GPT-2 preset '\(name)'; choose one of \(allowed.joined(separator: ", "))"
        case let .invalidConfig(file, field, reason):
            return "\(file.map { "\($0): " } ?? "")GPT-2 config field '\(field)': \(reason)"
        case let .unreadableConfig(file, reason):
            return "\(file): cannot read GPT-2 config: \(reason)"
        case let .unexpectedTensor(file, tensor):
            return "\(file): tensor '\(tensor)' is not part of a GPT-2 model with this config"
        case let .invalidBatch(input, reason):
            return "GPT-2 batch: \(input): \(reason)"
        }
    }
}
