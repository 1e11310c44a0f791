import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Signals that ask `cpo train` to stop after the current step: every rank finishes it, rank 0
/// saves its checkpoint, and the job exits with `exitCode`. Each handler fires once: a second
/// signal of the same kind ends the process at once, as it would have without the handler.
/// mpirun ends its ranks on SIGTERM or SIGINT without waiting, but forwards SIGUSR1: the launch
/// scripts turn the first two into SIGUSR1 for mpirun.
enum StopSignals {
    /// EX_TEMPFAIL: the run is incomplete, and `--resume` continues it.
    static let exitCode: Int32 = 75
    static let known: [(name: String, number: Int32)] = [("TERM", SIGTERM), ("INT", SIGINT), ("USR1", SIGUSR1), ("USR2", SIGUSR2), ("HUP", SIGHUP)]

    nonisolated(unsafe) private static var received: sig_atomic_t = 0
    static var requested: Bool { received != 0 }

    /// The signals of a comma-separated list of names (TERM, SIGTERM, term); "none" for none.
    static func parse(_ list: String) throws -> [Int32] {
        if list.lowercased() == "none" { return [] }
        return try list.split(separator: ",").map { item in
            var name = item.trimmingCharacters(in: .whitespaces).uppercased()
            if name.hasPrefix("SIG") { name.removeFirst(3) }
            guard let signal = known.first(where: { $0.name == name }) else {
                throw ValidationError("--stop-signals: '\(item)' is not one of \(known.map(\.name).joined(separator: ", ")) or none")
            }
            return signal.number
        }
    }

    static func install(_ signals: [Int32]) {
        for number in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { _ in StopSignals.received = 1 }
            action.sa_flags = Int32(bitPattern: UInt32(SA_RESETHAND)) | SA_RESTART
            sigemptyset(&action.sa_mask)
            sigaction(number, &action, nil)
        }
    }
}
