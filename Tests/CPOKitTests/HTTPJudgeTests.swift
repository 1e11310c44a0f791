import XCTest
@testable import CPOKit

/// The http judge against a chat-completions server started by the test itself.
final class HTTPJudgeTests: XCTestCase {
    private var servers: [LocalChatServer] = []
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("http-judge-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        for server in servers { server.stop() }
        try? FileManager.default.removeItem(at: folder)
    }

    private func server(_ respond: @escaping (LocalChatServer.Request, Int) -> LocalChatServer.Response) throws -> LocalChatServer {
        let server = try LocalChatServer(respond: respond)
        servers.append(server)
        return server
    }

    /// One request at a time unless asked, so that a test can tell requests apart by their number.
    private func judge(_ server: LocalChatServer, timeout: Double = 5, retries: Int = 0, backoff: Double = 0.05, apiKey: String? = nil,
                       cache: URL? = nil, concurrency: Int = 1) throws -> HTTPJudge {
        try HTTPJudge(endpoint: ChatCompletionEndpoint(baseURL: server.baseURL, model: "judge-1", apiKey: apiKey, timeout: timeout,
                                                       retries: retries, backoff: backoff, concurrency: concurrency), cache: cache)
    }

    /// The text the question shows as response A.
    private func responseA(_ request: LocalChatServer.Request) -> String {
        let question = request.question
        let start = question.range(of: "[Response A]\n")!.upperBound, end = question.range(of: "\n\n[Response B]")!.lowerBound
        return String(question[start..<end])
    }

    /// The text the question shows as response B.
    private func responseB(_ request: LocalChatServer.Request) -> String {
        let question = request.question
        let start = question.range(of: "[Response B]\n")!.upperBound, end = question.range(of: "\n\nAnswer with")!.lowerBound
        return String(question[start..<end])
    }

    /// A string field of the details of the generation-first question.
    private func firstAnswer(_ field: String, of judgement: Judgement) -> String {
        guard case let .object(first)? = judgement.details["generation_first"], case let .string(value)? = first[field] else {
            XCTFail("no \(field) in \(judgement.details)")
            return ""
        }
        return value
    }

    private let example = EvaluationExample.forTests("Name a colour.", reference: "Blue.")

    func testBothOrdersAreAskedAndCombined() throws {
        // This judge always prefers "Red.", wherever it stands.
        let server = try server { request, _ in .reply(self.responseA(request) == "Red." ? "A" : "B") }
        let judge = try judge(server, apiKey: "secret")
        let other = EvaluationExample.forTests("Name a colour.", reference: "Red.")
        XCTAssertEqual(try judge.judge([example, other], generations: ["Red.", "Blue."]).map(\.verdict), [.win, .loss])
        let requests = server.requests
        XCTAssertEqual(requests.count, 4)
        XCTAssertEqual(requests.map(responseA), ["Red.", "Blue.", "Blue.", "Red."], "generation first, then reference first")
        XCTAssertEqual(requests[0].path, "/v1/chat/completions")
        XCTAssertEqual(requests[0].headers["authorization"], "Bearer secret")
        XCTAssertEqual(requests[0].body["model"] as? String, "judge-1")
        XCTAssertTrue(requests[0].question.contains("Name a colour."))
    }

    /// Requests in flight at once, as the server saw them.
    private final class InFlight: @unchecked Sendable {
        private let lock = NSLock()
        private var now = 0
        private(set) var most = 0

        func during(_ work: () -> Void) {
            lock.withLock { now += 1; most = max(most, now) }
            work()
            lock.withLock { now -= 1 }
        }
    }

    /// A slow judge answers concurrent requests in a scrambled order; the judgements and the cache
    /// file are those of one request at a time, and a question that reads the same in both orders
    /// (a generation equal to its reference) is sent once.
    func testConcurrentRequestsKeepTheVerdictsAndTheCacheInOrder() throws {
        let examples = ["Blue.", "Red.", "A colour.", "Green.", "Teal.", "Violet."].map { EvaluationExample.forTests("Name a colour.", reference: $0) }
        let generations = ["Red.", "Red.", "Light sky blue.", "Lime green.", "Cyan.", "Plum."]
        var runs: [(judgements: [Judgement], cache: Data, requests: Int, mostInFlight: Int)] = []
        for concurrency in [1, 4] {
            let inFlight = InFlight()
            // Prefers the shorter text; requests take 0.1 to 0.4 s, so later ones may finish first.
            let slow = try server { request, number in
                var response = LocalChatServer.Response.reply("")
                inFlight.during {
                    Thread.sleep(forTimeInterval: 0.1 + 0.1 * Double(number * 7 % 4))
                    let (a, b) = (self.responseA(request).count, self.responseB(request).count)
                    response = .reply(a < b ? "A" : a > b ? "B" : "tie")
                }
                return response
            }
            let cache = folder.appendingPathComponent("cache-\(concurrency).jsonl")
            let judgements = try judge(slow, cache: cache, concurrency: concurrency).judge(examples, generations: generations)
            runs.append((judgements, try Data(contentsOf: cache), slow.requests.count, inFlight.most))
        }
        XCTAssertEqual(runs[0].judgements.map(\.verdict), [.win, .tie, .loss, .loss, .tie, .win])
        XCTAssertEqual(runs[1].judgements, runs[0].judgements)
        XCTAssertEqual(String(decoding: runs[1].cache, as: UTF8.self), String(decoding: runs[0].cache, as: UTF8.self),
                       "the cache lines in the order of the questions")
        XCTAssertEqual(runs.map(\.requests), [11, 11], "\"Red.\" against \"Red.\" is asked once")
        XCTAssertEqual(runs.map(\.mostInFlight), [1, 4])
    }

    func testPositionBiasAndExplicitTiesAreTies() throws {
        let alwaysA = try server { _, _ in .reply("A") }
        XCTAssertEqual(try judge(alwaysA).judge([example], generations: ["Red."]).map(\.verdict), [.tie])
        XCTAssertNil(alwaysA.requests[0].headers["authorization"], "no key, no header")
        let tie = try server { _, number in .reply(number == 0 ? " **Tie**.\n" : "A") }
        XCTAssertEqual(try judge(tie).judge([example], generations: ["Red."]).map(\.verdict), [.tie])
    }

    func testMalformedAnswersAreInvalid() throws {
        let chatty = try server { _, _ in .reply("I think A is better.") }
        let judgement = try judge(chatty).judge([example], generations: ["Red."])[0]
        XCTAssertEqual(judgement.verdict, .invalid)
        XCTAssertEqual(judgement.details["generation_first"], .object(["answer": .string("malformed"), "reply": .string("I think A is better."),
                                                                        "cached": .bool(false)]))
        for reply in ["A or B", "", "AB", "tie A"] { XCTAssertNil(PairwiseQuestion.parse(reply), reply) }
        XCTAssertEqual(["b", "\"A\"", "TIE", "*B*."].map(PairwiseQuestion.parse), [.b, .a, .tie, .b])
        let notAChatCompletion = try server { _, _ in LocalChatServer.Response(status: 200, body: "{\"error\": 1}") }
        XCTAssertEqual(try judge(notAChatCompletion).judge([example], generations: ["Red."])[0].verdict, .invalid)
    }

    func testRefusalIsInvalidWithoutRetry() throws {
        let refusing = try server { _, _ in LocalChatServer.Response(status: 400, body: "{\"error\": \"bad request\"}") }
        let judgement = try judge(refusing, retries: 3).judge([example], generations: ["Red."])[0]
        XCTAssertEqual(judgement.verdict, .invalid)
        XCTAssertEqual(refusing.requests.count, 2, "one request per order: a 400 is not retried")
        guard case let .object(first)? = judgement.details["generation_first"], case let .string(reason)? = first["reason"] else {
            return XCTFail("\(judgement.details)")
        }
        XCTAssertTrue(reason.contains("HTTP 400") && reason.contains("bad request"), reason)
    }

    func testServerErrorsAreRetriedThenInvalid() throws {
        let failing = try server { _, _ in LocalChatServer.Response(status: 500, body: "{}") }
        let judge = try judge(failing, retries: 2)
        XCTAssertEqual(try judge.judge([example], generations: ["Red."])[0].verdict, .invalid)
        XCTAssertEqual(failing.requests.count, 6, "three attempts per order")
        XCTAssertEqual(judge.requestCount, 6)
    }

    func testRetriesBackOffExponentiallyAndALaterSuccessIsUsed() throws {
        // 503, 429, then answers: the first order needs three attempts.
        let flaky = try server { _, number in
            number == 0 ? .init(status: 503, body: "{}") : number == 1 ? .init(status: 429, body: "{}") : .reply(number == 2 ? "A" : "B")
        }
        XCTAssertEqual(try judge(flaky, retries: 3, backoff: 0.2).judge([example], generations: ["Red."]).map(\.verdict), [.win])
        let arrivals = flaky.requests.map(\.arrival)
        XCTAssertEqual(arrivals.count, 4)
        XCTAssertGreaterThanOrEqual(arrivals[1].timeIntervalSince(arrivals[0]), 0.2)
        XCTAssertGreaterThanOrEqual(arrivals[2].timeIntervalSince(arrivals[1]), 0.4, "the second retry waits twice as long")
    }

    func testATimedOutRequestIsRetried() throws {
        let slowFirst = try server { _, number in
            var response = LocalChatServer.Response.reply(number == 1 ? "A" : "B")
            if number == 0 { response.delay = 5 }
            return response
        }
        let judge = try judge(slowFirst, timeout: 1, retries: 1)
        let start = Date()
        XCTAssertEqual(try judge.judge([example], generations: ["Red."]).map(\.verdict), [.win])
        XCTAssertEqual(judge.requestCount, 3)
        let seconds = Date().timeIntervalSince(start)
        XCTAssertGreaterThanOrEqual(seconds, 1, "the first request waited for its timeout")
        XCTAssertLessThan(seconds, 4, "and was given up after it")
    }

    func testCachedAnswersAreNotAskedAgain() throws {
        let cache = folder.appendingPathComponent("verdicts.jsonl")
        let first = try server { request, _ in .reply(self.responseA(request) == "Red." ? "A" : "B") }
        let examples = [example, EvaluationExample.forTests("Name a fruit.", reference: "Pear.")]
        let verdicts = try judge(first, cache: cache).judge(examples, generations: ["Red.", "Apple."]).map(\.verdict)
        XCTAssertEqual(first.requests.count, 4)
        XCTAssertEqual(try String(contentsOf: cache, encoding: .utf8).split(separator: "\n").count, 4)

        let second = try server { _, _ in .reply("B") }
        let again = try judge(second, cache: cache).judge(examples, generations: ["Red.", "Apple."])
        XCTAssertEqual(again.map(\.verdict), verdicts)
        XCTAssertEqual(second.requests.count, 0)
        XCTAssertEqual(again[0].details["generation_first"].flatMap { if case let .object(o) = $0 { o["cached"] } else { nil } }, .bool(true))
        // Another judge model is another key.
        let otherModel = try HTTPJudge(endpoint: ChatCompletionEndpoint(baseURL: second.baseURL, model: "judge-2"), cache: cache)
        _ = try otherModel.judge([example], generations: ["Red."])
        XCTAssertEqual(second.requests.count, 2)
    }

    func testRedirectsAreNotFollowed() throws {
        let elsewhere = try server { _, _ in .reply("A") }
        let redirecting = try server { _, _ in
            LocalChatServer.Response(status: 307, body: "{}", headers: ["Location": elsewhere.baseURL.absoluteString + "/v1/chat/completions"])
        }
        let judgement = try judge(redirecting, retries: 2, apiKey: "secret").judge([example], generations: ["Red."])[0]
        XCTAssertEqual(elsewhere.requests.count, 0, "neither the key nor the texts go to the other origin")
        XCTAssertEqual(redirecting.requests.count, 2, "a redirect is a refusal, not retried")
        XCTAssertEqual(judgement.verdict, .invalid)
        let reason = firstAnswer("reason", of: judgement)
        XCTAssertTrue(reason.contains("HTTP 307") && reason.contains("redirects are not followed") && reason.contains(elsewhere.baseURL.absoluteString),
                      reason)
    }

    func testTheTimeoutIsADeadlineForTheWholeReply() throws {
        // A reply whose body takes about 28 s, a byte every 0.25 s: no pause is long enough to time out.
        let trickling = try server { _, _ in
            var response = LocalChatServer.Response.reply("A")
            response.byteInterval = 0.25
            return response
        }
        let start = Date()
        let judgement = try judge(trickling, timeout: 1).judge([example], generations: ["Red."])[0]
        let seconds = Date().timeIntervalSince(start)
        XCTAssertEqual(judgement.verdict, .invalid)
        XCTAssertLessThan(seconds, 4, "two requests of 1 s each, not the minute the replies take")
        let reason = firstAnswer("reason", of: judgement)
        XCTAssertTrue(reason.contains("no complete reply within the 1 s deadline"), reason)
    }

    func testACacheLineCutByACrashIsDroppedNotAppendedTo() throws {
        let cache = folder.appendingPathComponent("verdicts.jsonl")
        let first = try server { _, _ in .reply("A") }
        _ = try judge(first, cache: cache).judge([example], generations: ["Red."])
        let complete = try String(contentsOf: cache, encoding: .utf8)
        XCTAssertEqual(complete.split(separator: "\n").count, 2)
        // A crash while the next entry was written: the file ends in part of a line.
        try Data((complete + #"{"key":"0123","prefer"#).utf8).write(to: cache)

        let second = try server { _, _ in .reply("B") }
        let judge = try judge(second, cache: cache)
        XCTAssertEqual(judge.cacheWarning, "\(cache.path):3: an unfinished last line (a run ended while writing it) is ignored and will be replaced")
        _ = try judge.judge([EvaluationExample.forTests("Name a fruit.", reference: "Pear.")], generations: ["Apple."])
        let lines = try String(contentsOf: cache, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.count, 5, "two old entries, two new ones and the final line end")
        XCTAssertEqual(lines.dropLast().map { ((try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any])?["key"] is String },
                       [true, true, true, true], "every line an entry")
        // The next run reads every entry and asks nothing.
        let third = try server { _, _ in .reply("A") }
        let again = try self.judge(third, cache: cache)
        XCTAssertNil(again.cacheWarning)
        _ = try again.judge([example, EvaluationExample.forTests("Name a fruit.", reference: "Pear.")], generations: ["Red.", "Apple."])
        XCTAssertEqual(third.requests.count, 0)
    }

    func testCpoEvalWarnsOfTheCacheLineItDrops() throws {
        let server = try server { _, _ in .reply("A") }
        let run = folder.appendingPathComponent("run").path
        let train = try CPOCommand.run(["train", "--preset", "tiny", "--task", "sort", "--task-count", "8", "--steps", "1", "--batch-size", "2",
                                        "--valid-fraction", "0", "--out", run])
        XCTAssertEqual(train.status, 0, train.output)
        let data = folder.appendingPathComponent("valid.jsonl"), cache = folder.appendingPathComponent("verdicts.jsonl")
        try Data(#"{"prompt": "sort: 2 1", "response": "1 2"}"#.utf8).write(to: data)
        try Data(#"{"key":"ab","prefe"#.utf8).write(to: cache)
        let result = try CPOCommand.run(["eval", "--model", run + "/final", "--data", data.path, "--max-new-tokens", "4", "--judge", "http",
                                         "--judge-url", server.baseURL.absoluteString, "--judge-model", "m", "--judge-cache", cache.path,
                                         "--out", folder.appendingPathComponent("eval").path])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("warning: \(cache.path):1: an unfinished last line (a run ended while writing it) is ignored"),
                      result.output)
        XCTAssertEqual(server.requests.count, 2)
        XCTAssertEqual(try String(contentsOf: cache, encoding: .utf8).split(separator: "\n").count, 2, "the cut line is gone")
    }

    func testCacheFilesWithCRLFOrCRLineEndsAreRead() throws {
        let cache = folder.appendingPathComponent("verdicts.jsonl")
        let first = try server { _, _ in .reply("A") }
        _ = try judge(first, cache: cache).judge([example], generations: ["Red."])
        let lines = try String(contentsOf: cache, encoding: .utf8).split(separator: "\n")
        for end in ["\r\n", "\r"] {
            try Data(lines.map { $0 + end }.joined().utf8).write(to: cache)
            let other = try server { _, _ in .reply("B") }
            XCTAssertEqual(try judge(other, cache: cache).judge([example], generations: ["Red."]).map(\.verdict), [.tie], end.debugDescription)
            XCTAssertEqual(other.requests.count, 0, end.debugDescription)
        }
    }

    func testStoredRepliesAreCutAndHugeRepliesRefused() throws {
        let cache = folder.appendingPathComponent("verdicts.jsonl")
        let long = String(repeating: "x", count: 5000)
        let verbose = try server { _, _ in .reply(long) }
        let judgement = try judge(verbose, cache: cache).judge([example], generations: ["Red."])[0]
        let reply = firstAnswer("reply", of: judgement)
        XCTAssertEqual(reply, String(repeating: "x", count: 1000) + "… (cut; 5000 characters in all)")
        XCTAssertLessThan(try Data(contentsOf: cache).count, 2 * 1200, "the cache keeps the cut reply too")

        let huge = try server { _, _ in .reply(String(repeating: "y", count: 2 << 20)) }
        let refused = try judge(huge).judge([example], generations: ["Red."])[0]
        let reason = firstAnswer("reason", of: refused)
        XCTAssertTrue(reason.contains("larger than 1048576 bytes"), reason)
    }

    func testOptionsOutsideTheirRangesAreRefused() throws {
        let url = URL(string: "http://127.0.0.1:1")!
        for (endpoint, option) in [(ChatCompletionEndpoint(baseURL: url, model: "m", timeout: 1e10), "judge-timeout"),
                                   (ChatCompletionEndpoint(baseURL: url, model: "m", retries: 11), "judge-retries"),
                                   (ChatCompletionEndpoint(baseURL: url, model: "m", backoff: -1), "judge-backoff"),
                                   (ChatCompletionEndpoint(baseURL: url, model: "m", backoff: .nan), "judge-backoff")] {
            XCTAssertThrowsError(try endpoint.validate(), option) { error in
                XCTAssertEqual((error as? OptionError)?.option, option, "\(error)")
            }
        }
    }
}
