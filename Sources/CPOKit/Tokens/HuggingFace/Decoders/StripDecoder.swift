/// `Strip`: up to `start` leading and `stop` trailing `content` scalars off each token
/// (sentencepiece's prepended space, after `Fuse`).
struct StripDecoder: TokenStringDecoder {
    let content: Unicode.Scalar
    let start: Int
    let stop: Int

    func decode(_ tokens: [String]) -> [String] {
        tokens.map { token in
            var scalars = Array(token.unicodeScalars)
            let leading = scalars.prefix(start).prefix { $0 == content }.count
            scalars.removeFirst(leading)
            let trailing = scalars.reversed().prefix(stop).prefix { $0 == content }.count
            scalars.removeLast(trailing)
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars)
            return String(view)
        }
    }
}
