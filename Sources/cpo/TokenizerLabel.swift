import CPOKit

/// How the start-up line names a run's tokenizer: its kind, the folder it came from, and its
/// vocabulary, so that a wrong `--tokenizer` (or a folder's unexpected one) shows before step 1.
enum TokenizerLabel {
    /// `given` is `--tokenizer` as typed; without it the tokenizer is `modelFolder`'s, or the byte
    /// tokenizer of a preset.
    static func text(_ tokenizer: any Tokenizer, given: String?, modelFolder: String?) -> String {
        let kind: String
        switch tokenizer {
        case is ByteTokenizer: kind = "byte"
        case is GPT2Tokenizer: kind = "GPT-2 BPE"
        case is HuggingFaceTokenizer: kind = "tokenizer.json"
        default: return "no tokenizer (token ids only, \(tokenizer.vocabularySize) ids)"
        }
        let folder = given.map { $0 == ByteTokenizer.kind ? nil : $0 } ?? modelFolder
        return "tokenizer \(kind)\(folder.map { " from \($0)" } ?? "") (\(tokenizer.vocabularySize) ids)"
    }
}
