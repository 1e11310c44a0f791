import Foundation

/// The memory this machine gives the process, which bounds what a config or the command line may
/// ask for: sizes are checked against it before anything is allocated, so an absurd one is an
/// error with the numbers instead of a failed allocation, a stall in swap or the OOM killer.
public enum MachineMemory {
    /// Physical memory, or the cgroup's limit where that is lower (a container, a Slurm job).
    public static let bytes: Double = {
        let physical = Double(ProcessInfo.processInfo.physicalMemory)
        let limits = ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"].compactMap { path in
            (try? String(contentsOfFile: path, encoding: .utf8)).flatMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        return ([physical] + limits).min()!
    }()

    /// "25.3 GB", "200 TB": decimal units, as the errors print sizes.
    public static func describe(_ bytes: Double) -> String {
        let units = [(1e15, "PB"), (1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB")]
        guard bytes.isFinite else { return "more than can be counted" }
        guard let (scale, unit) = units.first(where: { bytes >= $0.0 }) else { return "\(Int(bytes)) bytes" }
        let value = bytes / scale
        return value >= 1000 ? String(format: "%.2g %@", value, unit) : String(format: value >= 100 ? "%.0f %@" : "%.3g %@", value, unit)
    }
}
