/// A failure while working on a row of an input file, named by the file and line the row came from.
public struct InputLineError: Error, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let reason: any Error

    public init(file: String, line: Int, reason: any Error) {
        self.file = file
        self.line = line
        self.reason = reason
    }

    public var description: String { "\(file):\(line): \(reason)" }
}
