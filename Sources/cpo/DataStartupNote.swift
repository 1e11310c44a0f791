import CPOKit
import Foundation

/// The start-up lines about a run's data: what `--data` was read as and why (or which `--task`),
/// its rows, the tokenizer, and how many rows `--seq-len` cuts, with a warning when that share is
/// above `CutRows.warningShare`.
enum DataStartupNote {
    /// `file` is `--data` read (`given` as typed), nil for a built-in `task`; `contextPositions` is
    /// the model's n_positions.
    static func lines(file: (given: String, read: DataFile)?, task: String?, set: TrainingSet, seqLen: Int, tokenizer: String,
                      contextPositions: Int, isPreset: Bool) -> [String] {
        let source: String
        if let (given, file) = file {
            let how = file.detection.map { "detected: \($0.evidence)" } ?? "--data-format \(file.format.rawValue)"
            source = "\(given) read as \(file.format.name) (\(how))"
        } else {
            source = "built-in task \(task ?? "")"
        }
        guard let cuts = set.cutRows(seqLen: seqLen) else {
            return ["data: \(source); \(set.count) windows of --seq-len \(seqLen) tokens (packed text: nothing is cut); \(tokenizer)"]
        }
        let percent = String(format: "%.1f %%", 100 * cuts.share)
        let negatives = set.rowsWithNegatives
        var rows = "\(cuts.rows) rows" + (negatives > 0 ? " (\(negatives) with negatives)" : "")
        rows += cuts.cut == 0 ? ", none cut by --seq-len \(seqLen)" : ", \(cuts.cut) cut by --seq-len \(seqLen) (\(percent))"
        var lines = ["data: \(source); \(rows); \(tokenizer)"]
        if cuts.needsWarning {
            let room = seqLen < contextPositions ? "--seq-len can be up to the model's \(contextPositions) positions"
                : isPreset ? "--seq-len is the model's whole context; --n-positions gives a preset a longer one"
                : "--seq-len is the model's whole context (\(contextPositions) positions)"
            lines.append("warning: \(percent) of the rows (\(cuts.cut) of \(cuts.rows)) are longer than --seq-len \(seqLen) and are cut "
                         + "(the prompt keeps its end, the response its start); \(room)")
        }
        return lines
    }
}
