/// `ByteFallback`: each run of `<0xXX>` tokens becomes the text its bytes spell, or one U+FFFD per
/// byte when they are not valid UTF-8.
struct ByteFallbackDecoder: TokenStringDecoder {
    func decode(_ tokens: [String]) -> [String] {
        var decoded: [String] = []
        var bytes: [UInt8] = []
        func flush() {
            guard !bytes.isEmpty else { return }
            if let text = String(validating: bytes, as: UTF8.self) {
                decoded.append(text)
            } else {
                decoded += Array(repeating: "\u{FFFD}", count: bytes.count)
            }
            bytes.removeAll()
        }
        for token in tokens {
            if let byte = Self.byte(token) {
                bytes.append(byte)
            } else {
                flush()
                decoded.append(token)
            }
        }
        flush()
        return decoded
    }

    /// The byte a `<0xXX>` token stands for.
    static func byte(_ token: String) -> UInt8? {
        let utf8 = Array(token.utf8)
        guard utf8.count == 6, utf8.starts(with: "<0x".utf8), utf8[5] == UInt8(ascii: ">") else { return nil }
        return UInt8(String(decoding: utf8[3..<5], as: UTF8.self), radix: 16)
    }

    /// The token spelling `byte`, as byte-fallback vocabularies do.
    static func token(_ byte: UInt8) -> String {
        "<0x" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2) + ">"
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
