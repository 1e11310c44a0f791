/// Colours that stay distinct from each other on white (Tableau 10); run i keeps colour i in
/// every chart of a report.
enum ChartPalette {
    static let colours = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]

    static func colour(at index: Int) -> String { colours[index % colours.count] }
}
