import Foundation

/// The fields of a config.json as it was read, so that writing the config back keeps what this
/// project does not use (`architectures`, token ids, `transformers_version`, a model's own extras)
/// and a written folder loads in transformers as the original did.
///
/// They are not part of the model's shape: any two values are equal, so configs compare by the
/// fields the family reads.
public struct ConfigFieldsKept: Sendable, Equatable {
    public private(set) var fields: [String: JSONValue]

    public init(_ fields: [String: JSONValue] = [:]) { self.fields = fields }

    /// The fields of a config.json object (empty if it is not one).
    public init(json data: Data) {
        if case let .object(fields)? = try? JSONDecoder().decode(JSONValue.self, from: data) { self.fields = fields } else { fields = [:] }
    }

    public static func == (_: ConfigFieldsKept, _: ConfigFieldsKept) -> Bool { true }

    /// `written` (the family's own encoding of its fields) over the kept fields, pretty-printed
    /// with sorted keys.
    public func merged(under written: Data) throws -> Data {
        guard case let .object(own) = try JSONDecoder().decode(JSONValue.self, from: written) else { return written }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(JSONValue.object(fields.merging(own) { _, new in new }))
    }
}
