/// The built-in synthetic tasks, by name.
public enum SyntheticTasks {
    public static let all: [any SyntheticTask] = [SortTask(), LettersTask.reverse, AddTask(), LettersTask.copy]

    public static var names: [String] { all.map(\.name) }

    /// The most examples `cpo train --task` makes, all in memory: about 600 bytes each (measured for
    /// `add`, the longest), so 6 GB and some minutes of generation at the limit, and far more
    /// distinct examples than any run here takes (1000 steps of 16 see 16,000).
    public static let mostExamples = 10_000_000

    public static func named(_ name: String) throws -> any SyntheticTask {
        guard let task = all.first(where: { $0.name == name }) else { throw DataError.unknownTask(name: name, known: names) }
        return task
    }
}
