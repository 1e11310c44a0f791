/// Where the elements of a top-level JSON array lie, found without parsing them, so that each is
/// decoded and reported on its own as a JSONL line is: its index, its bytes and the line it starts
/// on. Only the array's own frame is checked here (its brackets, the commas between elements, and
/// strings, inside which brackets and commas do not count); the decoder checks each element.
struct JSONArrayElements {
    struct Element: Equatable {
        let index: Int
        /// The element's bytes, white space around it excluded.
        let range: Range<Int>
        /// 1-based.
        let line: Int
    }

    /// What is wrong with the array's frame, and the line where it shows.
    struct Problem: Error, Equatable {
        let line: Int
        let reason: String
    }

    let elements: [Element]

    init(_ bytes: [UInt8]) throws {
        var scanner = Scanner(bytes: bytes)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { scanner.position = 3 }
        scanner.skipSpace()
        guard scanner.peek == UInt8(ascii: "[") else {
            throw Problem(line: scanner.line, reason: "not a JSON array: it does not start with '['")
        }
        scanner.advance()
        scanner.skipSpace()
        var elements: [Element] = []
        if scanner.peek == UInt8(ascii: "]") {
            scanner.advance()
        } else {
            while true {
                scanner.skipSpace()
                let index = elements.count, start = scanner.position, line = scanner.line
                guard let first = scanner.peek else { throw Problem(line: line, reason: "the array is not closed: no ']' after element \(index - 1)") }
                if first == UInt8(ascii: ",") || first == UInt8(ascii: "]") {
                    throw Problem(line: line, reason: "element \(index) is missing: '\(Character(UnicodeScalar(first)))' where a value is due")
                }
                let end = try scanner.skipValue()
                elements.append(Element(index: index, range: start ..< end, line: line))
                // The value ended at a ',' or ']' outside it, or at the end of the bytes.
                guard let separator = scanner.peek else { throw Problem(line: scanner.line, reason: "the array is not closed: no ']' after element \(index)") }
                scanner.advance()
                if separator == UInt8(ascii: "]") { break }
            }
        }
        scanner.skipSpace()
        if scanner.peek != nil { throw Problem(line: scanner.line, reason: "text after the array's closing ']'") }
        self.elements = elements
    }

    /// A position in the bytes and the line it is on, counted as `TextLines` counts them.
    private struct Scanner {
        let bytes: [UInt8]
        var position = 0
        var line = 1

        var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func advance() {
            let byte = bytes[position]
            // "\r\n" is one line end, counted at its "\n".
            if byte == 0x0A || (byte == 0x0D && (position + 1 == bytes.count || bytes[position + 1] != 0x0A)) { line += 1 }
            position += 1
        }

        mutating func skipSpace() {
            while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { advance() }
        }

        /// Moves past one value: up to the ',' or ']' that ends it outside any string, object or
        /// array it opens. Returns where the value ends, white space before the separator excluded.
        mutating func skipValue() throws -> Int {
            var depth = 0, inString = false, end = position
            while let byte = peek {
                if inString {
                    if byte == UInt8(ascii: "\\") {
                        advance()
                        if peek == nil { break }
                    } else if byte == UInt8(ascii: "\"") {
                        inString = false
                    }
                } else {
                    switch byte {
                    case UInt8(ascii: "\""): inString = true
                    case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"):
                        if depth == 0 {
                            guard byte == UInt8(ascii: "]") else { throw Problem(line: line, reason: "a '}' that closes nothing") }
                            return end
                        }
                        depth -= 1
                    case UInt8(ascii: ","): if depth == 0 { return end }
                    case 0x20, 0x09, 0x0A, 0x0D: advance(); continue
                    default: break
                    }
                }
                advance()
                end = position
            }
            return end
        }
    }
}
