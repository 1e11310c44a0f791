import Foundation

extension CheckpointFolder {
    /// The completion marker: written last, it lists every file of the folder with its size and its
    /// XXH64 checksum, so a folder copied halfway, written by something other than `AtomicFolder`,
    /// or with a flipped bit, is not mistaken for a checkpoint. Sizes are checked whenever a run
    /// directory is scanned; checksums when a folder is loaded (manifests written before checksums
    /// existed have sizes only).
    struct Manifest: Codable {
        var files: [String: Int]
        var xxh64: [String: String]?

        static func write(describing folder: URL) throws {
            let files = try sizes(in: folder)
            var checksums: [String: String] = [:]
            for name in files.keys {
                let url = folder.appendingPathComponent(name)
                guard let digest = XXHash64.digest(ofFile: url) else {
                    throw AtomicFileError.unwritable(file: url.path, reason: "cannot read it back to checksum it")
                }
                checksums[name] = XXHash64.hex(digest)
            }
            let manifest = Manifest(files: files, xxh64: checksums)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(try encoder.encode(manifest), to: folder.appendingPathComponent(manifestFile))
        }

        /// Throws `CheckpointError.incomplete` naming the folder and the file at fault; `checksums`
        /// also reads every file through.
        static func verify(folder: URL, checksums: Bool) throws {
            func incomplete(_ reason: String) -> CheckpointError { .incomplete(folder: folder.path, reason: reason) }
            guard let data = try? Data(contentsOf: folder.appendingPathComponent(manifestFile)) else {
                throw incomplete("no \(manifestFile)")
            }
            guard let manifest = try? JSONDecoder().decode(Manifest.self, from: data) else {
                throw incomplete("\(manifestFile) is not a manifest")
            }
            if manifest.files[configFile] == nil { throw incomplete("\(manifestFile) does not list \(configFile)") }
            if manifest.files[modelFile] == nil && manifest.files[ModelWeights.indexFile] == nil {
                throw incomplete("\(manifestFile) lists neither \(modelFile) nor \(ModelWeights.indexFile)")
            }
            for (name, size) in manifest.files.sorted(by: { $0.key < $1.key }) {
                let path = folder.appendingPathComponent(name).path
                guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                      let actual = (attributes[.size] as? NSNumber)?.intValue else {
                    throw incomplete("\(name) is missing")
                }
                guard actual == size else { throw incomplete("\(name) is \(actual) bytes, the manifest says \(size)") }
            }
            guard checksums, let recorded = manifest.xxh64 else { return }
            for name in manifest.files.keys.sorted() {
                guard let expected = recorded[name] else { throw incomplete("\(manifestFile) has no checksum of \(name)") }
                let file = folder.appendingPathComponent(name).path
                guard let digest = XXHash64.digest(ofFile: folder.appendingPathComponent(name)) else {
                    throw CheckpointError.unreadable(path: file, reason: "cannot read it to check its checksum")
                }
                let actual = XXHash64.hex(digest)
                guard actual == expected else {
                    throw CheckpointError.damaged(file: file, reason: "its XXH64 is \(actual), the manifest says \(expected): the bytes changed after they were written")
                }
            }
        }

        /// Sizes of the regular files under `folder`, by path relative to it.
        private static func sizes(in folder: URL) throws -> [String: Int] {
            guard let walker = FileManager.default.enumerator(atPath: folder.path) else {
                throw AtomicFileError.unwritable(file: folder.path, reason: "cannot list the folder")
            }
            var sizes: [String: Int] = [:]
            while let name = walker.nextObject() as? String {
                guard walker.fileAttributes?[.type] as? FileAttributeType == .typeRegular, name != manifestFile else { continue }
                sizes[name] = (walker.fileAttributes?[.size] as? NSNumber)?.intValue ?? 0
            }
            return sizes
        }
    }
}
