import Foundation

/// What a run trains, beyond its hyper-parameters: the starting model, the data and the tokenizer,
/// as the command line named them. Saved with every checkpoint, so that `--resume` continues only
/// the run that saved it. The data is known by its bytes (XXH64), so a moved file is the same data
/// and an edited one is not.
public struct RunIdentity: Codable, Equatable, Sendable {
    /// Option name (as on the command line, without `--`) → what it was given; absent options are absent.
    public var options: [String: String]
    /// XXH64 of the `--data` file, in hexadecimal.
    public var dataChecksum: String?

    public init(options: [String: String] = [:], dataChecksum: String? = nil) {
        self.options = options
        self.dataChecksum = dataChecksum
    }

    /// The checksum `dataChecksum` holds, of a data file.
    public static func checksum(ofData file: URL) throws -> String {
        guard let digest = XXHash64.digest(ofFile: file) else { throw DataError.unreadable(file: file.path, reason: "cannot read it") }
        return XXHash64.hex(digest)
    }

    static let extraKey = "run"

    private enum CodingKeys: String, CodingKey { case options, dataChecksum = "data_xxh64" }

    /// Each difference as `--option GIVEN (saved SAVED)`; an option the saved run did not record is not compared.
    func differences(fromSaved saved: RunIdentity) -> [String] {
        var differences = Set(options.keys).union(saved.options.keys).subtracting(["data"]).sorted().compactMap { name -> String? in
            let given = options[name], old = saved.options[name]
            guard given != old else { return nil }
            return "--\(name) \(given ?? "not given") (saved \(old ?? "not given"))"
        }
        if options["data"] != nil || saved.options["data"] != nil, dataChecksum != saved.dataChecksum {
            differences.append("--data \(options["data"] ?? "not given"): not the bytes of the saved run's data (\(saved.options["data"] ?? "none"))")
        }
        return differences
    }
}
