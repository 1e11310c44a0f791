import Foundation

/// The lines of a text file as an editor numbers them: a line ends at "\n", "\r\n" or a lone
/// "\r" (files from Windows and from classic Mac OS), and a final line end starts no further line.
/// Every line-based reader goes through this, so a file's line numbers in errors are the same
/// whichever convention wrote it. Splitting happens on bytes: in a Swift `String`, "\r\n" is one
/// Character, so splitting text at "\n" misses every CRLF line end.
public enum TextLines {
    public struct Line: Equatable, Sendable {
        /// 1-based.
        public let number: Int
        /// The line's bytes, its line end excluded, as offsets from the start of the text.
        public let range: Range<Int>
        /// False only for a last line with no line end after it (e.g. cut off by a crash).
        public let isTerminated: Bool
    }

    public static func lines(of data: Data) -> [Line] {
        data.withUnsafeBytes { lines(of: $0) }
    }

    public static func lines(of bytes: [UInt8]) -> [Line] {
        bytes.withUnsafeBytes { lines(of: $0) }
    }

    public static func lines(of bytes: UnsafeRawBufferPointer) -> [Line] {
        var lines: [Line] = []
        var start = 0, i = 0
        while i < bytes.count {
            let byte = bytes[i]
            if byte == 0x0A || byte == 0x0D {
                lines.append(Line(number: lines.count + 1, range: start..<i, isTerminated: true))
                i += byte == 0x0D && i + 1 < bytes.count && bytes[i + 1] == 0x0A ? 2 : 1
                start = i
            } else {
                i += 1
            }
        }
        if start < bytes.count { lines.append(Line(number: lines.count + 1, range: start..<bytes.count, isTerminated: false)) }
        return lines
    }

    /// The bytes of `line` of `data`, which it was split from.
    public static func bytes(of line: Line, in data: Data) -> Data {
        data[data.startIndex + line.range.lowerBound ..< data.startIndex + line.range.upperBound]
    }

    /// The 1-based line that holds byte `offset` (a position past the end is on the last line).
    public static func number<Bytes: RandomAccessCollection<UInt8>>(atByte offset: Int, in bytes: Bytes) -> Int {
        var number = 1
        var i = bytes.startIndex
        let end = bytes.index(i, offsetBy: min(max(offset, 0), bytes.count))
        while i < end {
            let next = bytes.index(after: i)
            // "\r\n" is one line end, counted at its "\n".
            if bytes[i] == 0x0A || (bytes[i] == 0x0D && (next == bytes.endIndex || bytes[next] != 0x0A)) { number += 1 }
            i = next
        }
        return number
    }

    /// Whether the line holds only spaces and tabs.
    public static func isBlank(_ bytes: some Sequence<UInt8>) -> Bool {
        bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 }
    }
}
