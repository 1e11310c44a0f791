import ArgumentParser
import CPOKit
import Foundation

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write one self-contained HTML page comparing runs: training curves, win rates, α sweeps, a table of arms.",
        discussion: """
            Each --run is a run folder or an evaluation summary file. A folder contributes metrics.jsonl \
            (loss, reward accuracy, held-out evaluations against step), sweep.json (win rate against α) \
            and its evaluation summary: the first of summary.json and eval/summary.json that exists, else \
            the only */summary.json one level down (several are an error, unless beside a sweep.json: its \
            per-α evaluations). A file is read as an evaluation summary. Sections \
            without data are replaced by a note. The page needs no script, network or external font.
            """)

    @Option(name: .customLong("run"), parsing: .upToNextOption,
            help: ArgumentHelp("Run folders (or summary.json files), in the order the report lists them.", valueName: "dir"))
    var runPaths: [String]
    @Option(name: .customLong("label"),
            help: ArgumentHelp("Name of the run at the same place in --run (default: its folder's name); repeat once per run.",
                               valueName: "name"))
    var labels: [String] = []
    @Option(help: ArgumentHelp("HTML file to write.", valueName: "file")) var out: String
    @Option(help: "Page title.") var title = "swift-cpo report"
    @Option(help: ArgumentHelp("Also write the table of arms as Markdown to this file.", valueName: "file")) var markdown: String?

    func validate() throws {
        if runPaths.isEmpty { throw ValidationError("give at least one --run DIR") }
        if !labels.isEmpty && labels.count != runPaths.count {
            throw ValidationError("--label given \(labels.count) times for \(runPaths.count) runs; give one per run or none")
        }
    }

    func run() throws {
        let names: [String?] = labels.isEmpty ? runPaths.map { _ in nil } : labels
        let runs = try zip(runPaths, names).map { try RunRecord.load($0, label: $1) }
        let page = ReportPage(title: title, runs: runs)
        try AtomicFile.write(Data(page.html.utf8), to: URL(fileURLWithPath: out))
        print("wrote \(out): \(runs.count) run\(runs.count == 1 ? "" : "s")")
        if let markdown {
            try AtomicFile.write(Data(page.markdownTable.utf8), to: URL(fileURLWithPath: markdown))
            print("wrote \(markdown)")
        }
    }
}
