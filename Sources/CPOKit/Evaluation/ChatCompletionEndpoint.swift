import Foundation

/// Where and how the http judge asks: an OpenAI-compatible `POST {base}/v1/chat/completions`.
public struct ChatCompletionEndpoint: Sendable {
    public var baseURL: URL
    public var model: String
    /// Sent as `Authorization: Bearer …`; nil sends no such header.
    public var apiKey: String?
    /// Seconds one request may take, at least 1.
    public var timeout: Double
    /// Attempts after the first one, made after a timeout, a network error, HTTP 429 or 5xx.
    public var retries: Int
    /// Seconds before the first retry; each later retry waits twice as long as the one before.
    public var backoff: Double

    public init(baseURL: URL, model: String, apiKey: String? = nil, timeout: Double = 60, retries: Int = 3, backoff: Double = 1) {
        self.baseURL = baseURL; self.model = model; self.apiKey = apiKey
        self.timeout = timeout; self.retries = retries; self.backoff = backoff
    }

    public var url: URL { baseURL.appendingPathComponent("v1/chat/completions") }

    public func validate() throws {
        guard timeout >= 1 && timeout.isFinite else { throw OptionError(option: "judge-timeout", value: "\(timeout)", allowed: "seconds ≥ 1") }
        guard retries >= 0 else { throw OptionError(option: "judge-retries", value: "\(retries)", allowed: "a whole number ≥ 0") }
        guard ["http", "https"].contains(baseURL.scheme?.lowercased() ?? "") else {
            throw OptionError(option: "judge-url", value: baseURL.absoluteString, allowed: "an http:// or https:// base URL")
        }
    }
}
