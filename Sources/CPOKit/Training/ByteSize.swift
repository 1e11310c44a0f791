/// A size in bytes as options write it: a number with an optional suffix, decimal (KB, MB, GB, as
/// Hugging Face writes shard sizes: 5GB) or binary (KiB, MiB, GiB).
public enum ByteSize {
    static let units: [(suffix: String, scale: Double)] = [
        ("GIB", 1_073_741_824), ("MIB", 1_048_576), ("KIB", 1024), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3), ("B", 1), ("", 1),
    ]

    /// The bytes `text` names, or nil unless it is a number ≥ 1 byte with one of the suffixes.
    public static func parse(_ text: String) -> Int? {
        let upper = text.uppercased()
        let unit = units.first { upper.hasSuffix($0.suffix) }!
        guard let number = Double(upper.dropLast(unit.suffix.count)), number.isFinite else { return nil }
        let bytes = (number * unit.scale).rounded()
        guard bytes >= 1, bytes < 9.2e18 else { return nil }
        return Int(bytes)
    }

    /// `bytes` in GiB with two decimals, as the plan and the start-up lines print sizes.
    public static func gibibytes(_ bytes: Int) -> String {
        let value = Double(bytes) / 1_073_741_824
        let hundredths = Int((value * 100).rounded())
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100) GiB"
    }
}
