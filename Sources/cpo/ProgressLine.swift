import Foundation

/// Shows progress on stderr: one line redrawn in place on a terminal, plain lines otherwise
/// (a log file or a pipe gets one line per report, not carriage returns). What a command
/// produces goes to stdout (`result`), so `cpo … > results` keeps the results apart from the
/// progress.
final class ProgressLine {
    let isTerminal = isatty(fileno(stderr)) != 0
    private var lastLength = 0

    func update(_ text: String) {
        if isTerminal {
            let padding = String(repeating: " ", count: max(lastLength - text.count, 0))
            FileHandle.standardError.write(Data("\r\(text)\(padding)".utf8))
            lastLength = text.count
        } else {
            FileHandle.standardError.write(Data("\(text)\n".utf8))
        }
    }

    /// Ends the in-place line so what follows starts on a fresh one.
    func finish() {
        if isTerminal && lastLength > 0 { FileHandle.standardError.write(Data("\n".utf8)) }
        lastLength = 0
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "--:--" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%02d:%02d", s / 60, s % 60)
    }
}

extension ProgressLine {
    /// A line of its own that stays on screen above the progress line.
    func note(_ text: String) {
        finish()
        FileHandle.standardError.write(Data("\(text)\n".utf8))
    }

    /// A result or summary, on stdout.
    func result(_ text: String) {
        finish()
        print(text)
    }
}
