import Foundation

/// The weights of a model folder as the Hugging Face hub ships them: one `model.safetensors`, or
/// shards named by `model.safetensors.index.json`. Offers `SafetensorsReader`'s read API over all
/// of them, so a loader need not know how the weights were split.
///
/// Each file is memory-mapped by its own `SafetensorsReader`. The index and the shards are
/// checked against each other on open, so every tensor lives in exactly one file, the one the
/// index names: a shard from another export mixed into the folder is refused rather than read.
public struct ModelWeights {
    public static let singleFile = CheckpointFolder.modelFile
    public static let indexFile = "model.safetensors.index.json"
    /// Hugging Face's default "5GB", which it counts in decimal units.
    public static let defaultMaxShardSize = 5_000_000_000

    public let folder: URL
    /// The file the weights were opened through, `model.safetensors` or the index; errors about
    /// the weights as a whole name it.
    public let path: String
    public let isSharded: Bool
    /// Every tensor, shard by shard in file-name order, each shard's tensors in file order.
    public let tensorNames: [String]
    /// One per file, in file-name order.
    private let readers: [SafetensorsReader]
    private let readerOfTensor: [String: Int]

    /// Opens `model.safetensors` if the folder holds one, as `from_pretrained` prefers it, else the
    /// index and the shards it names.
    public init(folder: URL) throws {
        self.folder = folder
        let single = folder.appendingPathComponent(Self.singleFile)
        let index = folder.appendingPathComponent(Self.indexFile)
        if FileManager.default.fileExists(atPath: single.path) {
            path = single.path
            isSharded = false
            readers = [try SafetensorsReader(url: single)]
        } else if FileManager.default.fileExists(atPath: index.path) {
            path = index.path
            isSharded = true
            readers = try Self.openShards(index: index, in: folder)
        } else {
            throw ModelWeightsError.noWeights(folder: folder.path, lookedFor: [single.path, index.path])
        }
        var names: [String] = []
        var readerOfTensor: [String: Int] = [:]
        for (i, reader) in readers.enumerated() {
            for name in reader.tensorNames {
                names.append(name)
                readerOfTensor[name] = i
            }
        }
        tensorNames = names
        self.readerOfTensor = readerOfTensor
    }

    /// The safetensors files holding the weights, in file-name order.
    public var files: [String] { readers.map(\.path) }

    /// The tensor's dtype and shape; its `range` is inside the data section of `file(containing:)`.
    public func entry(_ name: String) -> SafetensorsReader.Entry? {
        readerOfTensor[name].flatMap { readers[$0].entry(name) }
    }

    /// The path of the safetensors file that holds the tensor.
    public func file(containing name: String) -> String? {
        readerOfTensor[name].map { readers[$0].path }
    }

    /// Reads tensor `name` into `destination`, converting to Float; its shape must be `expectedShape`.
    /// A shape mismatch names the shard the tensor is in; a missing tensor names `path`.
    public func read(_ name: String, into destination: UnsafeMutableBufferPointer<Float>, expectedShape: [Int]) throws {
        try reader(of: name).read(name, into: destination, expectedShape: expectedShape)
    }

    /// Reads a whole tensor as a new array, with its shape.
    public func floats(_ name: String) throws -> (shape: [Int], values: [Float]) {
        try reader(of: name).floats(name)
    }

    private func reader(of name: String) throws -> SafetensorsReader {
        guard let i = readerOfTensor[name] else { throw SafetensorsError.missingTensor(file: path, tensor: name) }
        return readers[i]
    }

    // MARK: Opening an index

    /// Opens each shard the index names once, then requires that the shards hold exactly the
    /// tensors the index maps to them: each in one shard, and that shard the one named.
    private static func openShards(index indexURL: URL, in folder: URL) throws -> [SafetensorsReader] {
        let index = indexURL.path
        // Shards by resolved path, so "./a.safetensors" and "a.safetensors" are one file.
        var tensorsOfShard: [String: [String]] = [:]
        var shardOfTensor: [String: String] = [:]
        for (tensor, shard) in try readWeightMap(indexURL) {
            let shardPath = folder.appendingPathComponent(shard).standardizedFileURL.path
            tensorsOfShard[shardPath, default: []].append(tensor)
            shardOfTensor[tensor] = shardPath
        }
        var readers: [SafetensorsReader] = []
        for (shard, tensors) in tensorsOfShard.sorted(by: { $0.key < $1.key }) {
            guard FileManager.default.fileExists(atPath: shard) else {
                let sorted = tensors.sorted()
                throw ModelWeightsError.missingShard(index: index, shard: shard, tensor: sorted[0], otherTensors: sorted.count - 1)
            }
            readers.append(try SafetensorsReader(url: URL(fileURLWithPath: shard)))
        }
        var holder: [String: String] = [:]
        for reader in readers {
            for tensor in reader.tensorNames {
                if let other = holder[tensor] {
                    throw ModelWeightsError.tensorInTwoShards(index: index, tensor: tensor, shards: [other, reader.path])
                }
                holder[tensor] = reader.path
            }
        }
        for reader in readers {
            for tensor in reader.tensorNames where shardOfTensor[tensor] != reader.path {
                throw ModelWeightsError.tensorInWrongShard(index: index, tensor: tensor, shard: reader.path, mappedTo: shardOfTensor[tensor])
            }
        }
        for (tensor, shard) in shardOfTensor.sorted(by: { $0.key < $1.key }) where holder[tensor] == nil {
            throw ModelWeightsError.tensorNotInShard(index: index, shard: shard, tensor: tensor)
        }
        return readers
    }

    /// The index's `weight_map`, tensor name → shard file name. `metadata` is not needed to read
    /// the weights, so it is not checked, as `from_pretrained` does not check it.
    private static func readWeightMap(_ url: URL) throws -> [(tensor: String, shard: String)] {
        let file = url.path
        func malformed(_ reason: String, tensor: String? = nil) -> ModelWeightsError {
            .malformedIndex(file: file, tensor: tensor, reason: reason)
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ModelWeightsError.unreadableIndex(file: file, reason: (error as NSError).localizedDescription)
        }
        guard let json = try? JSONSerialization.jsonObject(with: data) else { throw malformed("not valid JSON") }
        guard let object = json as? [String: Any] else { throw malformed("not a JSON object") }
        guard let value = object["weight_map"] else { throw malformed("no weight_map") }
        guard let map = value as? [String: Any] else { throw malformed("weight_map is not an object") }
        guard !map.isEmpty else { throw malformed("weight_map is empty") }
        return try map.sorted { $0.key < $1.key }.map { tensor, value in
            guard let shard = value as? String else {
                throw malformed("weight_map value is not a string (a shard's file name)", tensor: tensor)
            }
            // A shard is a file of this folder; a path out of it is a hand-edited or hostile index.
            let components = shard.split(separator: "/", omittingEmptySubsequences: false)
            guard !shard.isEmpty, !shard.hasPrefix("/"), !components.contains("..") else {
                throw malformed("weight_map value '\(shard)' is not a file name inside the folder", tensor: tensor)
            }
            return (tensor, shard)
        }
    }

    // MARK: Writing

    /// Writes `tensors` into `folder` as `save_pretrained` does: one `model.safetensors` when
    /// their data fits in `maxShardSize` bytes, else `model-00001-of-0000N.safetensors`… and an
    /// index with `metadata.total_size` and `weight_map`. Returns the names of the files written.
    ///
    /// Tensors keep their order; a shard is closed when the next tensor would take it past
    /// `maxShardSize` (headers do not count, as in Hugging Face), and a tensor larger than that
    /// gets a shard of its own. Files are written through `AtomicFile`, the index after its
    /// shards; weight files of an earlier write that would shadow or confuse these are removed.
    /// The folder as a whole is only atomic inside `AtomicFolder`.
    @discardableResult
    public static func write(_ tensors: [SafetensorsWriter.Tensor], dtype: SafetensorsDType = .f32,
                             maxShardSize: Int = defaultMaxShardSize, into folder: URL) throws -> [String] {
        precondition(maxShardSize > 0, "the maximum shard size must be positive")
        precondition(Set(tensors.map(\.name)).count == tensors.count, "tensor names must be unique")
        let byteSizes = tensors.map { $0.values.count * dtype.byteSize }
        let shards = shardRanges(byteSizes: byteSizes, maxShardSize: maxShardSize)
        let metadata = ["format": "pt"]
        guard shards.count > 1 else {
            try SafetensorsWriter.write(tensors, dtype: dtype, metadata: metadata, to: folder.appendingPathComponent(singleFile))
            try removeStaleWeights(in: folder, keeping: [singleFile])
            return [singleFile]
        }
        var names: [String] = []
        var weightMap: [String: String] = [:]
        for (i, range) in shards.enumerated() {
            let name = shardName(i + 1, of: shards.count)
            try SafetensorsWriter.write(Array(tensors[range]), dtype: dtype, metadata: metadata, to: folder.appendingPathComponent(name))
            for tensor in tensors[range] { weightMap[tensor.name] = name }
            names.append(name)
        }
        let index: [String: Any] = [
            "metadata": [
                "total_size": byteSizes.reduce(0, +),
                "total_parameters": tensors.reduce(0) { $0 + $1.values.count },
            ],
            "weight_map": weightMap,
        ]
        var json = try JSONSerialization.data(withJSONObject: index, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        json.append(UInt8(ascii: "\n"))
        try AtomicFile.write(json, to: folder.appendingPathComponent(indexFile))
        names.append(indexFile)
        try removeStaleWeights(in: folder, keeping: Set(names))
        return names
    }

    /// Consecutive runs of tensors, one per shard, by Hugging Face's rule.
    static func shardRanges(byteSizes: [Int], maxShardSize: Int) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        var size = 0
        for (i, bytes) in byteSizes.enumerated() {
            if i > start && size + bytes > maxShardSize {
                ranges.append(start..<i)
                start = i
                size = 0
            }
            size += bytes
        }
        ranges.append(start..<byteSizes.count)
        return ranges
    }

    /// `model-00002-of-00005.safetensors`: five digits, more only past 99999 shards.
    static func shardName(_ number: Int, of count: Int) -> String {
        func padded(_ n: Int) -> String { String(repeating: "0", count: max(0, 5 - String(n).count)) + String(n) }
        return "model-\(padded(number))-of-\(padded(count)).safetensors"
    }

    /// Whether `name` is a shard by Hugging Face's naming.
    static func isShardName(_ name: String) -> Bool {
        let prefix = "model-", middle = "-of-", suffix = ".safetensors"
        guard name.hasPrefix(prefix), name.hasSuffix(suffix) else { return false }
        let core = name.dropFirst(prefix.count).dropLast(suffix.count)
        guard let split = core.range(of: middle) else { return false }
        let isNumber = { (text: Substring) in text.count >= 5 && text.allSatisfy { $0.isASCII && $0.isNumber } }
        return isNumber(core[..<split.lowerBound]) && isNumber(core[split.upperBound...])
    }

    /// Removes the single file, the index and shards an earlier write left, other than `keeping`:
    /// a leftover `model.safetensors` would shadow a new index, and leftover shards would be
    /// mistaken for part of the model. The new files are complete before anything is removed.
    private static func removeStaleWeights(in folder: URL, keeping: Set<String>) throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        let stale = names.filter { name in
            !keeping.contains(name) && (name == singleFile || name == indexFile || isShardName(name))
        }
        // The single file first: it shadows the index, so once it is gone the new index is in force.
        for name in stale.sorted(by: { ($0 != singleFile ? 1 : 0, $0) < ($1 != singleFile ? 1 : 0, $1) }) {
            let url = folder.appendingPathComponent(name)
            do {
                try FileManager.default.removeItem(at: url)
            } catch {
                throw AtomicFileError.unwritable(file: url.path, reason: "cannot remove a stale weight file: \(error)")
            }
        }
        if !stale.isEmpty { AtomicFile.syncFolder(folder) }
    }
}
