import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Sends chat-completion requests one at a time and waits for each: a timeout per request, retries
/// with exponential back-off on timeouts, network errors, HTTP 429 and 5xx, no retry on other errors.
final class ChatCompletionClient {
    enum Answer: Equatable {
        /// The message content of the first choice.
        case reply(String)
        /// No usable answer: refused (4xx other than 429), unreadable, or still failing after the retries.
        case failure(String)
    }

    let endpoint: ChatCompletionEndpoint
    private let session: URLSession
    private let timeout: Double
    /// HTTP requests sent, retries included.
    private(set) var requestCount = 0

    init(endpoint: ChatCompletionEndpoint) {
        self.endpoint = endpoint
        // Linux Foundation truncates timeouts to whole seconds (0.5 s fires at once), so round up.
        timeout = endpoint.timeout.rounded(.up)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        session = URLSession(configuration: configuration)
    }

    deinit { session.invalidateAndCancel() }

    func complete(system: String, user: String) throws -> Answer {
        var request = URLRequest(url: endpoint.url, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let key = endpoint.apiKey { request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization") }
        request.httpBody = try JSONSerialization.data(withJSONObject: [
            "model": endpoint.model, "temperature": 0,
            "messages": [["role": "system", "content": system], ["role": "user", "content": user]],
        ] as [String: Any], options: [.sortedKeys])
        var reason = ""
        for attempt in 0...endpoint.retries {
            if attempt > 0 { Thread.sleep(forTimeInterval: endpoint.backoff * pow(2, Double(attempt - 1))) }
            switch send(request) {
            case let .answered(answer): return answer
            case let .retry(why): reason = why
            }
        }
        return .failure("\(reason), \(endpoint.retries + 1) attempts")
    }

    private enum Attempt {
        case answered(Answer)
        case retry(String)
    }

    private func send(_ request: URLRequest) -> Attempt {
        requestCount += 1
        let (data, response, error) = perform(request)
        if let error { return .retry("request failed: \(error.localizedDescription)") }
        guard let status = (response as? HTTPURLResponse)?.statusCode else { return .retry("no HTTP response") }
        if status == 429 || (500...599).contains(status) { return .retry("HTTP \(status)") }
        let body = data ?? Data()
        guard (200...299).contains(status) else {
            return .answered(.failure("HTTP \(status): \(String(decoding: body.prefix(500), as: UTF8.self))"))
        }
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
              let message = (object["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any],
              let content = message["content"] as? String else {
            return .answered(.failure("HTTP \(status) without choices[0].message.content"))
        }
        return .answered(.reply(content))
    }

    private final class Exchange: @unchecked Sendable {
        var result: (Data?, URLResponse?, Error?) = (nil, nil, nil)
    }

    private func perform(_ request: URLRequest) -> (Data?, URLResponse?, Error?) {
        let exchange = Exchange()
        let done = DispatchSemaphore(value: 0)
        session.dataTask(with: request) { data, response, error in
            exchange.result = (data, response, error)
            done.signal()
        }.resume()
        done.wait()
        return exchange.result
    }
}
