import Foundation

/// The curves a report draws from a run's `metrics.jsonl` (see `MetricsLog`): the training loss of
/// every step, the reward accuracy of contrastive runs, and the held-out figures of the steps that
/// ended with an evaluation.
public struct RunMetrics: Equatable, Sendable {
    public struct Point: Equatable, Sendable {
        public var step: Int
        public var value: Double
    }

    public var loss: [Point] = []
    public var rewardAccuracy: [Point] = []
    public var evalLoss: [Point] = []
    public var evalAccuracy: [Point] = []

    public static func read(_ url: URL) throws -> RunMetrics {
        try parse(ReportJSON.contents(of: url), file: url.path)
    }

    /// Parses JSONL `data`; `file` names the source in errors. Blank lines are skipped.
    static func parse(_ data: Data, file: String) throws -> RunMetrics {
        var metrics = RunMetrics()
        for line in TextLines.lines(of: data) {
            let bytes = TextLines.bytes(of: line, in: data)
            if TextLines.isBlank(bytes) { continue }
            let record = try ReportJSON.decode(MetricsLine.self, from: bytes, file: file, line: line.number)
            func add(_ value: Double?, to series: WritableKeyPath<RunMetrics, [Point]>) {
                if let value { metrics[keyPath: series].append(Point(step: record.step, value: value)) }
            }
            add(record.loss, to: \.loss)
            add(record.rewardAccuracy, to: \.rewardAccuracy)
            add(record.evalLoss, to: \.evalLoss)
            add(record.evalAccuracy, to: \.evalAccuracy)
        }
        return metrics
    }
}

/// The fields of a metrics line that the report uses; the others are ignored.
private struct MetricsLine: Decodable {
    var step: Int
    var loss: Double?
    var rewardAccuracy: Double?
    var evalLoss: Double?
    var evalAccuracy: Double?

    enum CodingKeys: String, CodingKey {
        case step, loss
        case rewardAccuracy = "reward_accuracy", evalLoss = "eval_loss", evalAccuracy = "eval_accuracy"
    }
}
