import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Sends chat-completion requests and waits for each: a deadline per request, retries with
/// exponential back-off on timeouts, network errors, HTTP 429 and 5xx, no retry on other errors.
/// `complete` may be called from several threads at once, one connection each, up to the
/// endpoint's concurrency.
///
/// Redirects are not followed: a request carries the API key and a body, and a 307 would send both
/// to wherever the Location header points; a 3xx is a refusal naming the Location instead. The
/// deadline bounds the whole exchange, from sending to the last byte of the reply, so a server
/// that trickles its answer cannot hold a request past it (URLSession's own timeout restarts
/// with every byte received). A reply body larger than `maxReplyBytes` is refused unread.
final class ChatCompletionClient {
    enum Answer: Equatable {
        /// The message content of the first choice.
        case reply(String)
        /// No usable answer: refused (4xx other than 429, 3xx), unreadable, or still failing after the retries.
        case failure(String)
    }

    /// A judge answers with a word; a megabyte is already far beyond any sensible reply.
    static let maxReplyBytes = 1 << 20

    let endpoint: ChatCompletionEndpoint
    private let session: URLSession
    private let transfers: Transfers
    private let counter = NSLock()
    private var sent = 0
    /// HTTP requests sent, retries included.
    var requestCount: Int { counter.withLock { sent } }

    init(endpoint: ChatCompletionEndpoint) {
        self.endpoint = endpoint
        transfers = Transfers(maxBytes: Self.maxReplyBytes)
        let configuration = URLSessionConfiguration.ephemeral
        // The deadline is ours (`perform`); Foundation's timeouts, which Linux truncates to whole
        // seconds, are only a backstop behind it.
        let backstop = endpoint.timeout.rounded(.up) + 1
        configuration.timeoutIntervalForRequest = backstop
        configuration.timeoutIntervalForResource = backstop
        configuration.httpMaximumConnectionsPerHost = endpoint.concurrency
        session = URLSession(configuration: configuration, delegate: transfers, delegateQueue: nil)
    }

    deinit { session.invalidateAndCancel() }

    func complete(system: String, user: String) throws -> Answer {
        var request = URLRequest(url: endpoint.url)
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
        counter.withLock { sent += 1 }
        let outcome = perform(request)
        switch outcome.end ?? .deadline {
        case .deadline: return .retry(String(format: "no complete reply within the %g s deadline", endpoint.timeout))
        case .tooLarge: return .answered(.failure("the reply is larger than \(Self.maxReplyBytes) bytes"))
        case let .failed(error): return .retry("request failed: \(error.localizedDescription)")
        case .completed: break
        }
        guard let response = outcome.response as? HTTPURLResponse else { return .retry("no HTTP response") }
        let status = response.statusCode, body = outcome.data
        if status == 429 || (500...599).contains(status) { return .retry("HTTP \(status)") }
        if (300...399).contains(status) {
            let location = response.value(forHTTPHeaderField: "Location") ?? "none"
            return .answered(.failure("HTTP \(status): redirects are not followed (Location: \(location)); give the final URL as --judge-url"))
        }
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

    /// Runs one request to completion or to the deadline, whichever comes first.
    private func perform(_ request: URLRequest) -> Transfers.Outcome {
        let task = session.dataTask(with: request)
        let done = transfers.start(task.taskIdentifier)
        task.resume()
        if done.wait(timeout: .now() + endpoint.timeout) == .timedOut {
            // The deadline first: the first end recorded wins, and the cancellation ends the task too.
            transfers.finish(task.taskIdentifier, .deadline)
            task.cancel()
        }
        return transfers.remove(task.taskIdentifier)
    }

    /// The session's delegate: collects each task's reply, refuses redirects, and cancels a reply
    /// that grows past its limit.
    private final class Transfers: NSObject, URLSessionDataDelegate, @unchecked Sendable {
        enum End {
            case completed, deadline, tooLarge
            case failed(Error)
        }

        struct Outcome {
            var data = Data()
            var response: URLResponse?
            var end: End?
            let done = DispatchSemaphore(value: 0)
        }

        private let maxBytes: Int
        private let lock = NSLock()
        private var outcomes: [Int: Outcome] = [:]

        init(maxBytes: Int) { self.maxBytes = maxBytes }

        func start(_ task: Int) -> DispatchSemaphore {
            lock.withLock {
                outcomes[task] = Outcome()
                return outcomes[task]!.done
            }
        }

        /// Records how the task ended, unless it already has: the first end wins.
        func finish(_ task: Int, _ end: End) {
            lock.withLock {
                guard outcomes[task] != nil, outcomes[task]!.end == nil else { return }
                outcomes[task]!.end = end
                outcomes[task]!.done.signal()
            }
        }

        func remove(_ task: Int) -> Outcome {
            lock.withLock { outcomes.removeValue(forKey: task)! }
        }

        func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
            completionHandler(nil)
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
            let tooLarge = lock.withLock { () -> Bool in
                guard outcomes[dataTask.taskIdentifier] != nil else { return false }
                outcomes[dataTask.taskIdentifier]!.data.append(data)
                return outcomes[dataTask.taskIdentifier]!.data.count > maxBytes
            }
            if tooLarge {
                finish(dataTask.taskIdentifier, .tooLarge)
                dataTask.cancel()
            }
        }

        func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
            lock.withLock { outcomes[task.taskIdentifier]?.response = task.response }
            finish(task.taskIdentifier, error.map { .failed($0) } ?? .completed)
        }
    }
}
