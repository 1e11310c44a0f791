import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An OpenAI-style chat-completions endpoint for the http judge's tests: a POSIX-socket HTTP/1.1
/// server on 127.0.0.1 at an ephemeral port, one thread per connection, each request answered by
/// `respond` (given the request and its 0-based number) and the connection then closed.
final class LocalChatServer: @unchecked Sendable {
    struct Request {
        let path: String
        let headers: [String: String]
        let body: [String: Any]
        let arrival: Date
        /// The user message: the question the judge asked.
        var question: String {
            let messages = body["messages"] as? [[String: Any]] ?? []
            return messages.last?["content"] as? String ?? ""
        }
    }

    struct Response {
        var status: Int
        var body: String
        /// Seconds to wait before answering.
        var delay: Double = 0
        /// Header fields besides Content-Type, Content-Length and Connection.
        var headers: [String: String] = [:]
        /// Seconds before each byte of the body, which then follows the head byte by byte; 0 sends it at once.
        var byteInterval: Double = 0

        /// A chat completion whose message says `content`.
        static func reply(_ content: String) -> Response {
            let object: [String: Any] = ["id": "test", "object": "chat.completion",
                                         "choices": [["index": 0, "message": ["role": "assistant", "content": content]]]]
            return Response(status: 200, body: String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self))
        }
    }

    private(set) var port: UInt16 = 0
    private let listener: Int32
    private let respond: (Request, Int) -> Response
    private let lock = NSLock()
    private var received: [Request] = []

    var requests: [Request] { lock.withLock { received } }
    var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    init(respond: @escaping (Request, Int) -> Response) throws {
        self.respond = respond
        listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw POSIXError(.EIO) }
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(listener, generic, length) == 0 && listen(listener, 16) == 0 && getsockname(listener, generic, &length) == 0
            }
        }
        guard bound else {
            close(listener)
            throw POSIXError(.EADDRNOTAVAIL)
        }
        port = UInt16(bigEndian: address.sin_port)
        Thread { [self] in acceptConnections() }.start()
    }

    deinit { stop() }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptConnections() {
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            Thread { [self] in serve(connection) }.start()
        }
    }

    private func serve(_ connection: Int32) {
        defer { close(connection) }
        guard let request = read(connection) else { return }
        let number = lock.withLock { () -> Int in
            received.append(request)
            return received.count - 1
        }
        let response = respond(request, number)
        if response.delay > 0 { Thread.sleep(forTimeInterval: response.delay) }
        let body = Array(response.body.utf8)
        let fields = response.headers.map { "\($0.key): \($0.value)\r\n" }.joined()
        let head = "HTTP/1.1 \(response.status) Status\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\(fields)Connection: close\r\n\r\n"
        guard response.byteInterval > 0 else {
            sendAll((Array(head.utf8) + body)[...], on: connection)
            return
        }
        guard sendAll(Array(head.utf8)[...], on: connection) else { return }
        for byte in body.indices {
            Thread.sleep(forTimeInterval: response.byteInterval)
            guard sendAll(body[byte...byte], on: connection) else { return }
        }
    }

    /// False once the client has gone.
    @discardableResult
    private func sendAll(_ bytes: ArraySlice<UInt8>, on connection: Int32) -> Bool {
        // MSG_NOSIGNAL: a client that gave up must not kill the test process with SIGPIPE.
        bytes.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) == $0.count }
    }

    /// The request line, headers and a body of Content-Length bytes.
    private func read(_ connection: Int32) -> Request? {
        var data = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        let separator = Array("\r\n\r\n".utf8)
        var headerEnd: Int?
        var contentLength = 0
        while headerEnd == nil || data.count < headerEnd! + contentLength {
            let n = recv(connection, &chunk, chunk.count, 0)
            guard n > 0 else { return nil }
            data += chunk[0..<n]
            if headerEnd == nil, let range = data.firstRange(of: separator) {
                headerEnd = range.upperBound
                contentLength = Self.headers(data[0..<range.lowerBound])["content-length"].flatMap { Int($0) } ?? 0
            }
        }
        let head = data[0..<headerEnd! - separator.count]
        let requestLine = String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n")[0].split(separator: " ")
        let body = (try? JSONSerialization.jsonObject(with: Data(data[headerEnd!...]))) as? [String: Any] ?? [:]
        return Request(path: requestLine.count > 1 ? String(requestLine[1]) : "", headers: Self.headers(head), body: body, arrival: Date())
    }

    /// Header fields by lowercased name.
    private static func headers(_ head: ArraySlice<UInt8>) -> [String: String] {
        var fields: [String: String] = [:]
        for line in String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return fields
    }
}
