/// A JSON value as `tokenizer.json` spells it. Objects keep their keys in file order as written:
/// `JSONSerialization` and `Codable` hand back `[String: …]`, whose keys compare by canonical
/// equivalence, so two vocabulary entries such as "é" and "e\u{301}" would silently become one.
indirect enum TokenizerJSON: Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([TokenizerJSON])
    case object([(key: String, value: TokenizerJSON)])

    /// The value of `key` in an object (component field names are ASCII, so `==` is exact here).
    subscript(key: String) -> TokenizerJSON? {
        guard case let .object(fields) = self else { return nil }
        return fields.first { $0.key == key }?.value
    }

    var string: String? { if case let .string(value) = self { value } else { nil } }
    var bool: Bool? { if case let .bool(value) = self { value } else { nil } }
    var array: [TokenizerJSON]? { if case let .array(values) = self { values } else { nil } }
    var isNull: Bool { if case .null = self { true } else { false } }
    var integer: Int? {
        guard case let .number(value) = self, value.rounded() == value, abs(value) < 1e15 else { return nil }
        return Int(value)
    }

    /// Where parsing stopped and why.
    struct SyntaxError: Error, CustomStringConvertible {
        let line: Int
        let reason: String
        var description: String { "line \(line): \(reason)" }
    }

    static func parse(_ bytes: [UInt8]) throws -> TokenizerJSON {
        var parser = Parser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.value()
        parser.skipWhitespace()
        guard parser.position == bytes.count else { throw parser.error("unexpected text after the JSON value") }
        return value
    }

    private struct Parser {
        let bytes: [UInt8]
        var position = 0

        func error(_ reason: String) -> SyntaxError {
            SyntaxError(line: TextLines.number(atByte: position, in: bytes), reason: reason)
        }

        mutating func skipWhitespace() {
            while position < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[position]) { position += 1 }
        }

        mutating func value() throws -> TokenizerJSON {
            guard position < bytes.count else { throw error("unexpected end of file") }
            switch bytes[position] {
            case UInt8(ascii: "{"): return try object()
            case UInt8(ascii: "["): return try array()
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            default: return try number()
            }
        }

        private mutating func literal(_ word: String) throws {
            guard bytes[position...].starts(with: word.utf8) else { throw error("expected '\(word)'") }
            position += word.utf8.count
        }

        private mutating func expect(_ byte: UInt8) throws {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == byte else {
                throw error("expected '\(Character(Unicode.Scalar(byte)))'")
            }
            position += 1
        }

        /// After a value inside `{…}` or `[…]`: true when another element follows.
        private mutating func another(closing: UInt8) throws -> Bool {
            skipWhitespace()
            guard position < bytes.count else { throw error("unexpected end of file") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; skipWhitespace(); return true }
            try expect(closing)
            return false
        }

        private mutating func object() throws -> TokenizerJSON {
            position += 1
            skipWhitespace()
            var fields: [(key: String, value: TokenizerJSON)] = []
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") { position += 1; return .object(fields) }
            repeat {
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw error("expected a string key") }
                let key = try string()
                try expect(UInt8(ascii: ":"))
                skipWhitespace()
                fields.append((key, try value()))
            } while try another(closing: UInt8(ascii: "}"))
            return .object(fields)
        }

        private mutating func array() throws -> TokenizerJSON {
            position += 1
            skipWhitespace()
            var values: [TokenizerJSON] = []
            if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return .array(values) }
            repeat { values.append(try value()) } while try another(closing: UInt8(ascii: "]"))
            return .array(values)
        }

        private mutating func number() throws -> TokenizerJSON {
            let start = position
            while position < bytes.count, "+-0123456789.eE".utf8.contains(bytes[position]) { position += 1 }
            guard let value = Double(String(decoding: bytes[start..<position], as: UTF8.self)) else {
                position = start
                throw error("expected a JSON value")
            }
            return .number(value)
        }

        private mutating func string() throws -> String {
            position += 1
            let start = position
            while position < bytes.count, bytes[position] != UInt8(ascii: "\""), bytes[position] != UInt8(ascii: "\\") { position += 1 }
            guard position < bytes.count else { throw error("unterminated string") }
            if bytes[position] == UInt8(ascii: "\"") {
                defer { position += 1 }
                return try validated(bytes[start..<position])
            }
            var decoded = Array(bytes[start..<position])
            while true {
                guard position < bytes.count else { throw error("unterminated string") }
                let byte = bytes[position]
                position += 1
                switch byte {
                case UInt8(ascii: "\""): return try validated(decoded[...])
                case UInt8(ascii: "\\"): decoded += try escape()
                default: decoded.append(byte)
                }
            }
        }

        private func validated(_ utf8: ArraySlice<UInt8>) throws -> String {
            guard let string = String(validating: utf8, as: UTF8.self) else { throw error("a string is not valid UTF-8") }
            return string
        }

        private mutating func escape() throws -> [UInt8] {
            guard position < bytes.count else { throw error("unterminated string") }
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): return [byte]
            case UInt8(ascii: "b"): return [0x08]
            case UInt8(ascii: "f"): return [0x0C]
            case UInt8(ascii: "n"): return [0x0A]
            case UInt8(ascii: "r"): return [0x0D]
            case UInt8(ascii: "t"): return [0x09]
            case UInt8(ascii: "u"):
                var value = try hex4()
                if (0xD800..<0xDC00).contains(value) {
                    guard bytes[position...].starts(with: "\\u".utf8) else { throw error("a lone surrogate \\u escape") }
                    position += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw error("a lone surrogate \\u escape") }
                    value = 0x10000 + (value - 0xD800) << 10 + (low - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(value) else { throw error("a lone surrogate \\u escape") }
                return Array(String(scalar).utf8)
            default: throw error("unknown escape '\\\(Character(Unicode.Scalar(byte)))'")
            }
        }

        private mutating func hex4() throws -> UInt32 {
            guard position + 4 <= bytes.count, let value = UInt32(String(decoding: bytes[position..<position + 4], as: UTF8.self), radix: 16) else {
                throw error("a \\u escape needs four hex digits")
            }
            position += 4
            return value
        }
    }
}

extension TokenizerJSON {
    /// `string` as a JSON string literal, its scalars as they are (only quotes, backslashes and
    /// control characters escaped). Written by hand where `JSONSerialization` would not do: it
    /// cannot keep `vocab.json`'s id order, and it is slow on long lines of ids.
    static func literal(_ string: String) -> String {
        var literal = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": literal += "\\\""
            case "\\": literal += "\\\\"
            case "\n": literal += "\\n"
            case _ where scalar.value < 0x20: literal += "\\u00" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
            default: literal.unicodeScalars.append(scalar)
            }
        }
        return literal + "\""
    }
}
