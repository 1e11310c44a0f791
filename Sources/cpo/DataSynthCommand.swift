import ArgumentParser
import CPOKit
import Foundation

struct DataSynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Write examples of a built-in task as prompt/response JSONL.",
        discussion: "Tasks: " + SyntheticTasks.all.map { "\($0.name) (\($0.summary))" }.joined(separator: "; ") + ".")

    @Option(help: "Task name: \(SyntheticTasks.names.joined(separator: ", ")).")
    var task: String
    @Option(help: "Number of examples.")
    var count: Int
    @Option(help: "Seed: example i is the same for a given seed whatever --count is.")
    var seed: UInt64 = 1234
    @Option(help: "Output JSONL file.")
    var out: String

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count must be at least 1, got \(count)") }
    }

    func run() throws {
        let task = try SyntheticTasks.named(self.task)
        // Under mpirun every rank would write the same file: rank 0 writes it while the others wait.
        try WorldJob.run { communicator in
            if communicator.rank == 0 {
                try SyntheticDataFile.write(task, count: count, seed: seed, to: URL(fileURLWithPath: out))
                print("wrote \(count) \(task.name) examples to \(out)")
            }
            try communicator.barrier()
        }
    }
}
