import CPOKit

/// Shows an evaluation's reports on rank 0: a note on the rows cut to the model's context, then one
/// progress phase each for generating, scoring the references and judging. `label` (e.g. "α = 0.5")
/// tells the evaluations of a sweep apart.
final class EvaluationProgress {
    private let line: ProgressLine
    private let phases: PhaseProgress
    private let communicator: any Communicator
    /// Every evaluation of a sweep cuts the same rows: they are told of once.
    private var toldOfCuts = false

    init(_ line: ProgressLine, communicator: any Communicator) {
        self.line = line
        phases = PhaseProgress(line)
        self.communicator = communicator
    }

    func show(_ report: EvaluationReport, label: String? = nil) {
        guard communicator.rank == 0 else { return }
        let prefix = label.map { "\($0): " } ?? ""
        // Generation and scoring run on every rank, each on its own prompts; rank 0 counts its own.
        let prompts = communicator.size > 1 ? "prompts on rank 0 of \(communicator.size)" : "prompts"
        switch report {
        case let .cut(rows, examples, positions):
            guard !toldOfCuts else { return }
            toldOfCuts = true
            line.note(CutRowsNote.text(cut: rows, of: examples, unit: "rows", positions: positions,
                                       how: "each was cut as training rows are: the prompt keeps its end, the scored reference its start "
                                           + "(the texts judged stay whole)"))
        case let .generating(done, total): phases.update(prefix + "generating", done: done, of: total, unit: prompts)
        case let .scoring(done, total): phases.update(prefix + "scoring references", done: done, of: total, unit: prompts)
        case let .judging(done, total): phases.update(prefix + "judging", done: done, of: total, unit: "examples")
        }
    }
}
