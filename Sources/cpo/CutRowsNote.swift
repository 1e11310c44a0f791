/// The line that says how many rows of an input were longer than the model's context and were cut:
/// a warning when they are more than `warningShare` of the rows, a note otherwise.
enum CutRowsNote {
    static let warningShare = 0.05

    /// `cut` of `total` rows, counted in `unit` ("rows", "prompts"); `how` says what was kept.
    static func text(cut: Int, of total: Int, unit: String, positions: Int, how: String) -> String {
        let share = Double(cut) / Double(total)
        return (share > warningShare ? "warning" : "note")
            + ": \(cut) of \(total) \(unit) (\(String(format: "%.1f", 100 * share)) %) are longer than the model's context of \(positions) positions; \(how)"
    }
}
