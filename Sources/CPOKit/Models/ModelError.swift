/// What is wrong with a model's configuration, checkpoint or batch; each case names the file, field,
/// tensor or input at fault. Missing tensors and wrong shapes are
/// `SafetensorsError`s.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    case unknownPreset(name: String, allowed: [String])
    case unknownModelType(file: String?, modelType: String, allowed: [String])
    /// `file` is nil for a configuration built in code.
    case invalidConfig(file: String?, field: String, reason: String)
    case unreadableConfig(file: String, reason: String)
    case unexpectedTensor(file: String, tensor: String)
    case invalidBatch(input: String, reason: String)
    /// A shape (`fields`: its size fields and their values) whose weights alone the machine cannot hold.
    case exceedsMemory(file: String?, fields: String, weightFloats: Double)

    public var description: String {
        switch self {
        case let .unknownPreset(name, allowed):
            return "unknown model preset '\(name)'; choose one of \(allowed.joined(separator: ", "))"
        case let .unknownModelType(file, modelType, allowed):
            return "\(file.map { "\($0): " } ?? "")model_type '\(modelType)' is not supported; supported: \(allowed.joined(separator: ", "))"
        case let .invalidConfig(file, field, reason):
            return "\(file.map { "\($0): " } ?? "")config field '\(field)': \(reason)"
        case let .unreadableConfig(file, reason):
            return "\(file): cannot read model config: \(reason)"
        case let .unexpectedTensor(file, tensor):
            return "\(file): tensor '\(tensor)' is not part of a model with this config"
        case let .invalidBatch(input, reason):
            return "model batch: \(input): \(reason)"
        case let .exceedsMemory(file, fields, floats):
            return "\(file.map { "\($0): " } ?? "")a model of \(fields) has \(String(format: "%.3g", floats)) weights, "
                + "\(MachineMemory.describe(4 * floats)) as fp32, more than the \(MachineMemory.describe(MachineMemory.bytes)) of memory of this machine"
        }
    }

    /// Refuses a shape whose weights (4 bytes each) alone exceed `MachineMemory`, before any is allocated.
    static func checkWeightsFit(_ floats: Double, fields: [(name: String, value: Int)], file: String?) throws {
        guard 4 * floats <= MachineMemory.bytes else {
            throw exceedsMemory(file: file, fields: fields.map { "\($0.name) \($0.value)" }.joined(separator: ", "), weightFloats: floats)
        }
    }

    /// Why a config.json did not decode. DecodingError's own description omits the key path; name
    /// the field a user must fix.
    static func describe(_ error: Error) -> String {
        switch error as? DecodingError {
        case let .keyNotFound(key, _)?: return "field '\(key.stringValue)' is missing"
        case let .typeMismatch(_, context)?, let .valueNotFound(_, context)?:
            return "field '\(context.codingPath.map(\.stringValue).joined(separator: "."))': \(context.debugDescription)"
        case let .dataCorrupted(context)?: return "not valid JSON: \(context.debugDescription)"
        default: return String(describing: error)
        }
    }
}
