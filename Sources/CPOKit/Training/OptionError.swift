/// An invalid option or hyper-parameter: names the option, the value given and what is allowed.
public struct OptionError: Error, CustomStringConvertible, Equatable {
    public let option: String
    public let value: String
    public let allowed: String

    public init(option: String, value: String, allowed: String) {
        self.option = option; self.value = value; self.allowed = allowed
    }

    public var description: String { "invalid value '\(value)' for --\(option): \(allowed)" }
}
