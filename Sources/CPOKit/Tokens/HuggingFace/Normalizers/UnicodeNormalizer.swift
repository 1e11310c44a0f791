import Foundation

/// `NFC`, `NFKC`, `NFD`, `NFKD`: a Unicode normalization form.
struct UnicodeNormalizer: Normalizer {
    enum Form: Sendable { case nfc, nfkc, nfd, nfkd }
    let form: Form

    func normalize(_ text: String) -> String {
        switch form {
        case .nfc: text.precomposedStringWithCanonicalMapping
        case .nfkc: text.precomposedStringWithCompatibilityMapping
        case .nfd: text.decomposedStringWithCanonicalMapping
        case .nfkd: text.decomposedStringWithCompatibilityMapping
        }
    }
}
