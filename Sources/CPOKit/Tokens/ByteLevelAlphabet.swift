/// GPT-2's reversible map from the 256 byte values to printable Unicode scalars, so that every
/// vocabulary entry and merge rule is a readable string without whitespace or control characters.
/// Printable Latin-1 bytes stand for themselves; the other 68 take U+0100 onwards, in byte order.
enum ByteLevelAlphabet {
    static let scalarForByte: [Unicode.Scalar] = {
        let printable = Array(0x21...0x7E) + Array(0xA1...0xAC) + Array(0xAE...0xFF)
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next = 0x100
        for byte in 0..<256 {
            if printable.contains(byte) {
                table[byte] = Unicode.Scalar(UInt32(byte))!
            } else {
                table[byte] = Unicode.Scalar(UInt32(next))!
                next += 1
            }
        }
        return table
    }()

    /// The byte a scalar stands for, or nil when the scalar is not in the alphabet.
    static func byte(for scalar: Unicode.Scalar) -> UInt8? {
        byteForScalarValue[scalar.value]
    }

    private static let byteForScalarValue: [UInt32: UInt8] = Dictionary(
        uniqueKeysWithValues: scalarForByte.enumerated().map { ($0.element.value, UInt8($0.offset)) })

    /// The alphabet string that spells `bytes`.
    static func string(for bytes: some Sequence<UInt8>) -> String {
        var view = String.UnicodeScalarView()
        for byte in bytes { view.append(scalarForByte[Int(byte)]) }
        return String(view)
    }

    /// The bytes `string` spells, or nil when it contains a scalar outside the alphabet.
    static func bytes(for string: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        for scalar in string.unicodeScalars {
            guard let byte = byte(for: scalar) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }
}
