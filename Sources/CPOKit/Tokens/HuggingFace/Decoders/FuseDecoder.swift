/// `Fuse`: all tokens into one string, so later steps (`Strip`) see the whole text.
struct FuseDecoder: TokenStringDecoder {
    func decode(_ tokens: [String]) -> [String] { [tokens.joined()] }
}
