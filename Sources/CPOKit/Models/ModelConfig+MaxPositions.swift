import Foundation

extension ModelConfig {
    /// This shape with a context of `positions` positions (`--n-positions` of a preset): its
    /// config.json with `positionsField` changed, read back, so the value is checked as a
    /// config.json's is (a positive number whose position embeddings or RoPE table fit in memory).
    public func withMaxPositions(_ positions: Int) throws -> Self {
        guard var object = try JSONSerialization.jsonObject(with: configJSON()) as? [String: Any] else {
            preconditionFailure("a config writes a JSON object")
        }
        object[Self.positionsField] = positions
        return try Self(configJSON: JSONSerialization.data(withJSONObject: object), file: nil)
    }
}
