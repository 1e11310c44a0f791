import ArgumentParser
import CPOKit
import Foundation

struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Encode text to token ids, or decode ids to text, with a model's tokenizer.",
        discussion: """
            Each JSONL line with "text" gets "ids" (no special tokens added) and "ids_with_specials" \
            (what the tokenizer's post-processor adds, e.g. Llama's BOS); each line with "ids" gets \
            "text" (decoded, special tokens kept). Other fields are kept. --text TEXT is one such \
            line. The output goes to --output, or to standard output.
            """)

    @OptionGroup var tokenizerOption: TokenizerOption
    @Option(help: "A model folder whose tokenizer to use (instead of --tokenizer).") var model: String?
    @Option(help: "JSONL file of {\"text\": …} or {\"ids\": […]} lines.") var input: String?
    @Option(help: "One text to encode (instead of --input).") var text: String?
    @Option(help: "Write the JSONL result here (default: standard output).") var output: String?
    @OptionGroup var threadOptions: ThreadOptions

    func validate() throws {
        if (tokenizerOption.tokenizer == nil) == (model == nil) { throw ValidationError("give exactly one of --tokenizer and --model") }
        if (input == nil) == (text == nil) { throw ValidationError("give exactly one of --input FILE.jsonl and --text TEXT") }
    }

    func run() throws {
        try threadOptions.apply()
        let tokenizer = try tokenizerOption.resolve() ?? TokenizerFolder.load(from: URL(fileURLWithPath: model!))
        if let reason = tokenizer.textUnavailable { throw DataError.invalidSetting(name: "model", reason: "\(model!): \(reason)") }
        let lines: [String]
        if let text {
            lines = [try TokenizationRecords.line(forText: text, tokenizer: tokenizer)]
        } else {
            let contents: String
            do { contents = try String(contentsOfFile: input!, encoding: .utf8) } catch {
                throw DataError.unreadable(file: input!, reason: "\(error)")
            }
            lines = try TokenizationRecords.process(contents, file: input!, tokenizer: tokenizer)
        }
        let data = Data(lines.map { $0 + "\n" }.joined().utf8)
        if let output {
            try AtomicFile.write(data, to: URL(fileURLWithPath: output))
        } else {
            do { try FileHandle.standardOutput.write(contentsOf: data) } catch {
                throw AtomicFileError(file: "standard output", reason: (error as NSError).localizedDescription)
            }
        }
    }
}
