/// The built-in synthetic tasks, by name.
public enum SyntheticTasks {
    public static let all: [any SyntheticTask] = [SortTask(), LettersTask.reverse, AddTask(), LettersTask.copy]

    public static var names: [String] { all.map(\.name) }

    public static func named(_ name: String) throws -> any SyntheticTask {
        guard let task = all.first(where: { $0.name == name }) else { throw DataError.unknownTask(name: name, known: names) }
        return task
    }
}
