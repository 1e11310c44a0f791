import Foundation

/// The share of the machine's CPU time the hypervisor gave to other guests (`steal` in
/// /proc/stat) over an interval: on a shared virtual machine it is the part of a benchmark's
/// slowdown that no code change can remove. Nil where /proc/stat is unreadable.
public struct StolenCPUTime: Sendable {
    private let steal: Double
    private let total: Double

    /// The counters now; `share(since:)` compares two readings.
    public init?() {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = stat.split(separator: "\n").first, line.hasPrefix("cpu ") else { return nil }
        // user nice system idle iowait irq softirq steal (guest time is already in user and nice).
        let fields = line.split(separator: " ").dropFirst().prefix(8).compactMap { Double($0) }
        guard fields.count == 8 else { return nil }
        steal = fields[7]
        total = fields.reduce(0, +)
    }

    /// Stolen time as a share of all CPU time between `earlier` and this reading.
    public func share(since earlier: StolenCPUTime) -> Double {
        total > earlier.total ? (steal - earlier.steal) / (total - earlier.total) : 0
    }
}
