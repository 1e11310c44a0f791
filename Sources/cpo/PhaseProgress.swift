import Foundation

/// The progress of a command's long phases on a `ProgressLine`, in the look of the training steps:
/// `generating 48/500 prompts | 00:12 elapsed | ETA 01:55`. A phase's clock starts with its first
/// report. On a terminal the line is redrawn as reports come; in a log a line is written when a
/// phase starts, when it ends and every `logInterval` seconds between, so that a long phase
/// neither floods the log nor leaves it silent.
final class PhaseProgress {
    static let logInterval: Double = 10
    /// A terminal redraws no faster than the eye reads, whatever the rate of reports.
    static let terminalInterval = 0.1

    private let line: ProgressLine
    private var phase: String?
    private var start = Date()
    private var shown: Date?

    init(_ line: ProgressLine) { self.line = line }

    func update(_ phase: String, done: Int, of total: Int, unit: String) {
        let now = Date()
        if phase != self.phase {
            self.phase = phase
            start = now
            shown = nil
        }
        let interval = line.isTerminal ? Self.terminalInterval : Self.logInterval
        if let shown, done < total, now.timeIntervalSince(shown) < interval { return }
        shown = now
        let elapsed = now.timeIntervalSince(start)
        let remaining = done > 0 ? elapsed / Double(done) * Double(total - done) : .nan
        line.update("\(phase) \(done)/\(total) \(unit) | \(ProgressLine.duration(elapsed)) elapsed | ETA \(ProgressLine.duration(remaining))")
    }
}
