import Foundation

/// Reads the JSON inputs of a report and turns every decoding failure into a `ReportError` that
/// names the file and the line a person has to look at.
enum ReportJSON {
    static func contents(of url: URL) throws -> Data {
        do { return try Data(contentsOf: url) } catch {
            throw ReportError.unreadable(file: url.path, reason: (error as NSError).localizedDescription)
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, from url: URL) throws -> T {
        try decode(type, from: contents(of: url), file: url.path)
    }

    /// `line`: where `data` sits in a JSONL file; nil for a whole-file document, whose faulty line
    /// is found in the text.
    static func decode<T: Decodable>(_ type: T.Type, from data: Data, file: String, line: Int? = nil) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            let (reason, locatedLine) = explain(error, in: data)
            throw ReportError.malformed(file: file, line: line ?? locatedLine, reason: reason)
        }
    }

    /// A value that decoded but breaks a rule of the format, located on the line of its field.
    static func invalid(field: String, reason: String, in url: URL) -> ReportError {
        let line = (try? Data(contentsOf: url)).flatMap { keyLine(field, in: $0) }
        return .malformed(file: url.path, line: line, reason: "\(field): \(reason)")
    }

    private static func explain(_ error: DecodingError, in data: Data) -> (reason: String, line: Int?) {
        switch error {
        case let .keyNotFound(key, context):
            return ("missing field \(fieldName(context.codingPath + [key]))", nil)
        case let .dataCorrupted(context) where context.codingPath.isEmpty:
            return ("not valid JSON", syntaxErrorLine(in: data))
        case let .typeMismatch(_, context), let .valueNotFound(_, context), let .dataCorrupted(context):
            guard let key = context.codingPath.first else { return ("not a JSON object", 1) }
            return ("\(fieldName(context.codingPath)): \(context.debugDescription)", keyLine(key.stringValue, in: data))
        @unknown default:
            return ("\(error)", nil)
        }
    }

    private static func fieldName(_ path: [CodingKey]) -> String {
        let name = path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return name.hasPrefix(".") ? String(name.dropFirst()) : name
    }

    /// JSONDecoder says only that the text is not JSON; JSONSerialization names a byte offset
    /// ("around character N") in its message, nothing more structured. Without one (e.g. at an
    /// unexpected end of file) the fault is on the last line.
    private static func syntaxErrorLine(in data: Data) -> Int {
        var message = ""
        do { _ = try JSONSerialization.jsonObject(with: data, options: .fragmentsAllowed) } catch {
            message = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
        }
        if let range = message.range(of: #"character \d+"#, options: .regularExpression),
           let offset = Int(message[range].dropFirst("character ".count)) {
            return TextLines.number(atByte: offset, in: data)
        }
        return TextLines.lines(of: data).last?.number ?? 1
    }

    /// The first line on which `"key":` appears.
    private static func keyLine(_ key: String, in data: Data) -> Int? {
        let text = String(decoding: data, as: UTF8.self)
        let pattern = NSRegularExpression.escapedPattern(for: "\"\(key)\"") + #"\s*:"#
        guard let range = text.range(of: pattern, options: .regularExpression) else { return nil }
        return TextLines.number(atByte: text.utf8.distance(from: text.startIndex, to: range.lowerBound), in: data)
    }
}
