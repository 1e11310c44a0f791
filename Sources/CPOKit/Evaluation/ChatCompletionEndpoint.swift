import Foundation

/// Where and how the http judge asks: an OpenAI-compatible `POST {base}/v1/chat/completions`.
public struct ChatCompletionEndpoint: Sendable {
    public var baseURL: URL
    public var model: String
    /// Sent as `Authorization: Bearer …`; nil sends no such header.
    public var apiKey: String?
    /// The deadline of one request, sending it and receiving all of its reply, in seconds.
    public var timeout: Double
    /// Attempts after the first one, made after a timeout, a network error, HTTP 429 or 5xx.
    public var retries: Int
    /// Seconds before the first retry; each later retry waits twice as long as the one before.
    public var backoff: Double
    /// Requests in flight at once.
    public var concurrency: Int

    public init(baseURL: URL, model: String, apiKey: String? = nil, timeout: Double = 60, retries: Int = 3, backoff: Double = 1,
                concurrency: Int = 8) {
        self.baseURL = baseURL; self.model = model; self.apiKey = apiKey
        self.timeout = timeout; self.retries = retries; self.backoff = backoff; self.concurrency = concurrency
    }

    static let longestWait: Double = 86_400
    static let mostRetries = 10
    /// A thread and a connection each: more would be a load test of the API, not an evaluation.
    static let mostConcurrency = 64

    public var url: URL { baseURL.appendingPathComponent("v1/chat/completions") }

    public func validate() throws {
        // Beyond a day a deadline means nothing, and DispatchTime traps on a number of nanoseconds past Int64.
        guard (1...Self.longestWait).contains(timeout) else {
            throw OptionError(option: "judge-timeout", value: "\(timeout)", allowed: "seconds in 1...\(Int(Self.longestWait))")
        }
        // Each retry waits twice as long as the one before: the tenth waits 512 × --judge-backoff.
        guard (0...Self.mostRetries).contains(retries) else {
            throw OptionError(option: "judge-retries", value: "\(retries)", allowed: "a whole number in 0...\(Self.mostRetries)")
        }
        guard (0...Self.longestWait).contains(backoff) else {
            throw OptionError(option: "judge-backoff", value: "\(backoff)", allowed: "seconds in 0...\(Int(Self.longestWait))")
        }
        guard (1...Self.mostConcurrency).contains(concurrency) else {
            throw OptionError(option: "judge-concurrency", value: "\(concurrency)", allowed: "a whole number in 1...\(Self.mostConcurrency)")
        }
        guard ["http", "https"].contains(baseURL.scheme?.lowercased() ?? "") else {
            throw OptionError(option: "judge-url", value: baseURL.absoluteString, allowed: "an http:// or https:// base URL")
        }
    }
}
