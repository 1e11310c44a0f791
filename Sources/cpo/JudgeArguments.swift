import ArgumentParser
import CPOKit
import Foundation

/// `--judge` and its options, shared by `eval` and `sweep-alpha`.
struct JudgeArguments: ParsableArguments {
    static let names = ["verifier", "http", "lm"]

    @Option(help: """
        Judge: verifier (the built-in tasks' exact checkers), http (an OpenAI-compatible chat endpoint, \
        asked in both orders), lm (a judge model's mean token log-probability, a proxy).
        """)
    var judge: String
    @Option(help: "http: base URL; requests go to BASE/v1/chat/completions.") var judgeUrl: String?
    @Option(help: "http: the model name sent to the endpoint.") var judgeModel: String?
    @Option(help: "http: environment variable holding the API key, sent as 'Authorization: Bearer' (unset: no header).")
    var judgeKeyEnv = "OPENAI_API_KEY"
    @Option(help: "http: deadline of one request in seconds, from sending it to the last byte of the reply (1 to 86400).")
    var judgeTimeout: Double = 60
    @Option(help: "http: retries after a timeout, network error, HTTP 429 or 5xx (0 to 10).") var judgeRetries = 3
    @Option(help: "http: seconds before the first retry; each later one waits twice as long (0 to 86400).") var judgeBackoff: Double = 1
    @Option(help: "http: requests in flight at once (1 to 64); the verdicts do not depend on it.") var judgeConcurrency = 8
    @Option(help: "http: JSONL cache of the judge's answers; a re-run over the same texts asks nothing.") var judgeCache: String?
    @Option(help: "lm: the judge model folder.") var judgeModelDir: String?

    func validate() throws {
        switch judge {
        case "verifier": break
        case "http":
            if judgeUrl == nil || judgeModel == nil { throw ValidationError("--judge http needs --judge-url BASE and --judge-model NAME") }
        case "lm":
            if judgeModelDir == nil { throw ValidationError("--judge lm needs --judge-model-dir DIR") }
        default:
            throw ValidationError("unknown judge '\(judge)'; the judges are: \(Self.names.joined(separator: ", "))")
        }
    }

    /// `progress` hears the warnings opening the judge gives.
    func make(batchSize: Int, progress: ProgressLine) throws -> any Judge {
        switch judge {
        case "http":
            guard let url = URL(string: judgeUrl!) else { throw OptionError(option: "judge-url", value: judgeUrl!, allowed: "a URL") }
            let endpoint = ChatCompletionEndpoint(baseURL: url, model: judgeModel!, apiKey: ProcessInfo.processInfo.environment[judgeKeyEnv],
                                                  timeout: judgeTimeout, retries: judgeRetries, backoff: judgeBackoff,
                                                  concurrency: judgeConcurrency)
            let judge = try HTTPJudge(endpoint: endpoint, cache: judgeCache.map { URL(fileURLWithPath: $0) })
            if let warning = judge.cacheWarning { progress.note("warning: \(warning)") }
            return judge
        case "lm":
            return try LanguageModelJudge(folder: URL(fileURLWithPath: judgeModelDir!), batchSize: batchSize)
        default:
            return VerifierJudge()
        }
    }
}
