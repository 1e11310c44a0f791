/// A field that holds one text or a list of them, as TRL's `rejected` (one string) and this
/// project's several negatives per prompt (a list) both appear.
struct TextOrTexts: Decodable, Equatable {
    let texts: [String]

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            texts = [text]
        } else {
            texts = try container.decode([String].self)
        }
    }
}
