/// What went wrong reading or writing a safetensors file; every case names the file, and the
/// tensor where one is at fault.
public enum SafetensorsError: Error, CustomStringConvertible, Equatable {
    case unreadable(file: String, reason: String)
    case badHeader(file: String, reason: String)
    case badTensor(file: String, tensor: String, reason: String)
    case missingTensor(file: String, tensor: String)
    case shapeMismatch(file: String, tensor: String, expected: [Int], found: [Int])
    /// A NaN or an infinity: element `index` (row-major) is the first.
    case nonFiniteValue(file: String, tensor: String, index: Int, shape: [Int], value: Float)

    public var description: String {
        switch self {
        case let .unreadable(file, reason): return "\(file): cannot read: \(reason)"
        case let .badHeader(file, reason): return "\(file): malformed safetensors header: \(reason)"
        case let .badTensor(file, tensor, reason): return "\(file): tensor '\(tensor)': \(reason)"
        case let .missingTensor(file, tensor): return "\(file): tensor '\(tensor)' is missing"
        case let .shapeMismatch(file, tensor, expected, found):
            return "\(file): tensor '\(tensor)' has shape \(found), expected \(expected)"
        case let .nonFiniteValue(file, tensor, index, shape, value):
            return "\(file): tensor '\(tensor)' holds \(value) at element \(index) of \(shape): weights must be finite (a diverged run or a damaged file)"
        }
    }
}
