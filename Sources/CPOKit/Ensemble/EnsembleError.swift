/// Why two model folders cannot be mixed into a weight-space ensemble; every case names the two
/// folders and the field or file at fault (a tensor of the wrong shape fails the folder's load).
public enum EnsembleError: Error, CustomStringConvertible, Equatable {
    case configMismatch(field: String, mleValue: String, cpoValue: String, mleFolder: String, cpoFolder: String)
    case tokenizerMismatch(reason: String, mleFolder: String, cpoFolder: String)

    public var description: String {
        switch self {
        case let .configMismatch(field, mleValue, cpoValue, mleFolder, cpoFolder):
            return "cannot ensemble \(mleFolder) and \(cpoFolder): config field '\(field)' is \(mleValue) in the MLE model, \(cpoValue) in the CPO model"
        case let .tokenizerMismatch(reason, mleFolder, cpoFolder):
            return "cannot ensemble \(mleFolder) and \(cpoFolder): the tokenizers differ: \(reason)"
        }
    }
}
