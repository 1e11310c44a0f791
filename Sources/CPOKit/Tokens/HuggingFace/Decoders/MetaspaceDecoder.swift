/// `Metaspace`: `replacement` back to spaces, except that the first token loses its `replacement`s
/// when a space was prepended on encoding (as Hugging Face does, all of them).
struct MetaspaceDecoder: TokenStringDecoder {
    let replacement: Unicode.Scalar
    let stripsFirst: Bool

    func decode(_ tokens: [String]) -> [String] {
        tokens.enumerated().map { index, token in
            var scalars = String.UnicodeScalarView()
            for scalar in token.unicodeScalars {
                if scalar != replacement {
                    scalars.append(scalar)
                } else if index > 0 || !stripsFirst {
                    scalars.append(" ")
                }
            }
            return String(scalars)
        }
    }
}
