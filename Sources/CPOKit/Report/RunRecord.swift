import Foundation

/// What a report shows of one run, read from the path given on the command line.
///
/// A folder contributes `metrics.jsonl` and `sweep.json` when they are in it, and its evaluation
/// summary: the first of `summary.json` and `eval/summary.json` that exists, otherwise the only
/// `*/summary.json` one level down (several are an error, except beside a `sweep.json`, whose
/// per-α evaluations they are; a sweep folder with no summary of its own is then the ensemble at
/// the best α, on the sweep's data). A file is read as an evaluation summary. The run is named after
/// the folder (for a file, the folder holding it) unless given a label.
public struct RunRecord: Equatable, Sendable {
    public var name: String
    public var path: String
    public var metrics: RunMetrics?
    public var summary: EvaluationSummary?
    public var sweep: AlphaSweepSummary?
    /// The `--model` folder the run's training started from, as its newest checkpoint records it
    /// (absolute): a run that continues another's `final/` is drawn after that run's steps.
    public var startingModel: String?

    public static let metricsFileName = "metrics.jsonl"
    public static let summaryFileName = "summary.json"
    public static let sweepFileName = "sweep.json"

    public init(name: String, path: String, metrics: RunMetrics? = nil, summary: EvaluationSummary? = nil, sweep: AlphaSweepSummary? = nil,
                startingModel: String? = nil) {
        self.name = name
        self.path = path
        self.metrics = metrics
        self.summary = summary
        self.sweep = sweep
        self.startingModel = startingModel
    }

    public static func load(_ path: String, label: String? = nil) throws -> RunRecord {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw ReportError.unreadable(file: path, reason: "no such file or folder")
        }
        guard isFolder.boolValue else {
            let name = label ?? url.deletingLastPathComponent().lastPathComponent
            return RunRecord(name: name, path: path, summary: try EvaluationSummary.read(url))
        }
        let metricsURL = url.appendingPathComponent(metricsFileName)
        let sweepURL = url.appendingPathComponent(sweepFileName)
        let sweep = try existing(sweepURL).map(AlphaSweepSummary.read)
        var name = label ?? url.lastPathComponent
        var summary = try summaryURL(in: url, besideSweep: sweep != nil).map(EvaluationSummary.read)
        // A sweep folder evaluated on no other data is the ensemble at its best α, as judged on the
        // sweep's own (validation) prompts; the name says so, since the other arms may be on test.
        if summary == nil, let sweep,
           let best = existing(url.appendingPathComponent(AlphaSweep.folderName(alpha: sweep.bestAlpha)).appendingPathComponent(summaryFileName)) {
            summary = try EvaluationSummary.read(best)
            name += " (best α = \(String(format: "%g", sweep.bestAlpha)), on the sweep's data)"
        }
        let record = RunRecord(name: name, path: path, metrics: try existing(metricsURL).map(RunMetrics.read), summary: summary,
                               sweep: sweep, startingModel: startingModel(of: url))
        guard record.metrics != nil || record.summary != nil || record.sweep != nil else {
            throw ReportError.nothingToReport(path: path)
        }
        return record
    }

    /// Nothing when the run has no checkpoint, or one written before checkpoints recorded it.
    private static func startingModel(of run: URL) -> String? {
        guard let checkpoint = try? CheckpointFolder.newestComplete(in: run), let state = try? checkpoint.readTrainerState(),
              let identity = try? state.extra[RunIdentity.extraKey]?.decoded(as: RunIdentity.self) else { return nil }
        return identity.options["model"]
    }

    private static func existing(_ url: URL) -> URL? {
        FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    private static func summaryURL(in folder: URL, besideSweep: Bool) throws -> URL? {
        let direct = [folder, folder.appendingPathComponent("eval")].map { $0.appendingPathComponent(summaryFileName) }
        if let found = direct.lazy.compactMap(existing).first { return found }
        let children = (try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? []
        let nested = children.compactMap { existing($0.appendingPathComponent(summaryFileName)) }
            .sorted { $0.path < $1.path }
        if nested.count > 1 {
            if besideSweep { return nil }
            throw ReportError.ambiguousSummary(folder: folder.path, candidates: nested.map(\.path))
        }
        return nested.first
    }
}
