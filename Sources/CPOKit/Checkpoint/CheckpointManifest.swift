import Foundation

extension CheckpointFolder {
    /// The completion marker: written last, it lists every file of the folder with its size, so a
    /// folder copied halfway, or written by something other than `AtomicFolder`, is not mistaken
    /// for a checkpoint.
    struct Manifest: Codable {
        var files: [String: Int]

        static func write(describing folder: URL) throws {
            let manifest = Manifest(files: try sizes(in: folder))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(try encoder.encode(manifest), to: folder.appendingPathComponent(manifestFile))
        }

        static func verify(folder: URL) throws {
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
        }

        /// Sizes of the regular files under `folder`, by path relative to it.
        private static func sizes(in folder: URL) throws -> [String: Int] {
            guard let walker = FileManager.default.enumerator(atPath: folder.path) else {
                throw AtomicFileError.unwritable(file: folder.path, reason: "cannot list the folder")
            }
            var sizes: [String: Int] = [:]
            while let name = walker.nextObject() as? String {
                guard walker.fileAttributes?[.type] as? FileAttributeType == .typeRegular else { continue }
                sizes[name] = (walker.fileAttributes?[.size] as? NSNumber)?.intValue ?? 0
            }
            return sizes
        }
    }
}
