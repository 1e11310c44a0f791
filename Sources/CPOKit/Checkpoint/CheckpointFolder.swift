import Foundation

/// A Hugging Face-style model folder — `config.json`, `model.safetensors` (F32, the layout's
/// tensors in layout order), the tokenizer's files — plus, for a training run,
/// `optimizer.safetensors` and `trainer_state.json`, so the run resumes exactly.
///
/// Folders are written atomically (see `AtomicFolder`) and end with a manifest of every file and
/// its size, which readers of a run directory check before trusting a folder. Reading parameters
/// does not require the manifest, so plain Hugging Face folders load too.
public struct CheckpointFolder: Sendable, Equatable {
    public static let configFile = "config.json"
    public static let modelFile = "model.safetensors"
    public static let optimizerFile = "optimizer.safetensors"
    public static let trainerStateFile = "trainer_state.json"
    public static let manifestFile = "checkpoint_manifest.json"
    public static let finalName = "final"
    static let stepPrefix = "checkpoint-"
    /// PyTorch's names for AdamW's first and second moments.
    static let firstMomentPrefix = "exp_avg."
    static let secondMomentPrefix = "exp_avg_sq."
    static let optimizerStepKey = "step"
    /// GPT-2 checkpoints name their tensors with and without this prefix.
    static let optionalTensorPrefix = "transformer."

    public let url: URL

    public init(url: URL) { self.url = url }

    /// The folder a run saves its state after `step` optimizer steps into.
    public init(step: Int, in runDirectory: URL) {
        url = runDirectory.appendingPathComponent("\(Self.stepPrefix)\(step)")
    }

    /// The step in the folder's `checkpoint-STEP` name, if it has one.
    public var step: Int? {
        let name = url.lastPathComponent
        guard name.hasPrefix(Self.stepPrefix) else { return nil }
        let digits = name.dropFirst(Self.stepPrefix.count)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(digits)
    }

    private func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    // MARK: Writing

    /// What a training run adds to a model folder; the moments follow the parameter layout, whole,
    /// whatever the number of ranks they were trained on. They are read through once each, the
    /// first moment first (the order ranks sending shards of them must follow, see `GatheredShards`).
    public struct ResumeState {
        public var trainer: TrainerState
        /// AdamW's own step count, which drives its bias correction.
        public var optimizerStep: Int
        public var firstMoment: any FlatValues
        public var secondMoment: any FlatValues

        public init(trainer: TrainerState, optimizerStep: Int, firstMoment: any FlatValues, secondMoment: any FlatValues) {
            self.trainer = trainer
            self.optimizerStep = optimizerStep
            self.firstMoment = firstMoment
            self.secondMoment = secondMoment
        }
    }

    /// Writes the whole folder, replacing any folder already at `url`. `config` is the model's
    /// `config.json`, a JSON object.
    public func write(config: Data, layout: TensorLayout, parameters: FloatBuffer, tokenizer: any Tokenizer,
                      training: ResumeState? = nil, weights format: WeightsFormat = WeightsFormat()) throws {
        precondition(training == nil || format.dtype == .f32, "a training checkpoint keeps F32 weights, so that it resumes exactly")
        precondition(parameters.count == layout.totalCount, "parameter buffer does not follow the layout")
        if let training {
            precondition(training.firstMoment.count == layout.totalCount && training.secondMoment.count == layout.totalCount,
                         "optimizer moments do not follow the layout")
        }
        guard case var .object(fields)? = try? JSONDecoder().decode(JSONValue.self, from: config) else {
            throw CheckpointError.malformed(file: file(Self.configFile).path, reason: "config is not a JSON object")
        }
        // The weights' dtype as transformers reads it (`dtype` since version 5, `torch_dtype` before):
        // a BF16 hub folder trained here is written back in F32, and its config must say so.
        let dtypeKeys = ["dtype", "torch_dtype"].filter { fields[$0] != nil }
        for key in dtypeKeys.isEmpty ? ["torch_dtype"] : dtypeKeys { fields[key] = .string(format.torchName) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let configJSON = try encoder.encode(JSONValue.object(fields))
        try AtomicFolder.write(to: url) { folder in
            try AtomicFile.write(configJSON, to: folder.appendingPathComponent(Self.configFile))
            try ModelWeights.write(Self.tensors(layout, parameters), dtype: format.dtype, maxShardSize: format.maxShardSize, into: folder)
            try tokenizer.save(to: folder)
            if let training {
                let names = [Self.firstMomentPrefix, Self.secondMomentPrefix].flatMap { prefix in layout.specs.map { (prefix + $0.name, $0.shape) } }
                try SafetensorsWriter.write(f32: names, metadata: ["format": "pt", Self.optimizerStepKey: String(training.optimizerStep)],
                                            to: folder.appendingPathComponent(Self.optimizerFile)) { sink in
                    for moment in [training.firstMoment, training.secondMoment] { try Self.appendTensors(of: moment, layout: layout, to: sink) }
                }
                try AtomicFile.write(try Self.jsonEncoder.encode(training.trainer), to: folder.appendingPathComponent(Self.trainerStateFile))
            }
            try Manifest.write(describing: folder)
        }
    }

    /// Writes the folder of a model with this config (its `configJSON()` as `config.json`).
    public func write(config: any ModelConfig, layout: TensorLayout, parameters: FloatBuffer,
                      tokenizer: any Tokenizer, training: ResumeState? = nil, weights format: WeightsFormat = WeightsFormat()) throws {
        try write(config: try config.configJSON(), layout: layout, parameters: parameters, tokenizer: tokenizer, training: training,
                  weights: format)
    }

    private static var jsonEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return encoder
    }

    private static func tensors(_ layout: TensorLayout, _ buffer: FloatBuffer) -> [SafetensorsWriter.Tensor] {
        layout.specs.map { spec in
            SafetensorsWriter.Tensor(name: spec.name, shape: spec.shape, values: UnsafeBufferPointer(layout.view(spec.name, in: buffer)))
        }
    }

    /// Appends the layout's tensors of a flat buffer in layout order, leaving out the alignment
    /// padding between them, as its pieces arrive.
    private static func appendTensors(of values: any FlatValues, layout: TensorLayout, to sink: SafetensorsWriter.ValueSink) throws {
        let specs = layout.specs
        var position = 0, next = 0
        try values.forEachPiece { piece in
            let covered = position ..< position + piece.count
            while next < specs.count {
                let tensor = specs[next].offset ..< specs[next].offset + specs[next].count
                let part = tensor.clamped(to: covered)
                if !part.isEmpty { try sink.append(UnsafeBufferPointer(rebasing: piece[part.lowerBound - position ..< part.upperBound - position])) }
                guard tensor.upperBound <= covered.upperBound else { break }
                next += 1
            }
            position = covered.upperBound
        }
    }

    // MARK: Completeness

    /// Throws unless the folder's manifest is present and every file it lists has its recorded size:
    /// cheap, for scanning a run directory.
    public func verifyComplete() throws {
        try Manifest.verify(folder: url, checksums: false)
    }

    /// `verifyComplete`, and every file's bytes against the manifest's checksum (reads the folder
    /// through): what a folder must pass before a run continues from it or a model is loaded from it.
    public func verifyIntact() throws {
        try Manifest.verify(folder: url, checksums: true)
    }

    public var isComplete: Bool { (try? verifyComplete()) != nil }

    /// Whether the folder claims to be a checkpoint (has a manifest); plain Hugging Face folders do not.
    public var hasManifest: Bool { FileManager.default.fileExists(atPath: file(Self.manifestFile).path) }

    /// The intact `checkpoint-STEP` folder with the highest step in `runDirectory` (nil when there is
    /// none, or no such directory), and why each newer one was passed over — a crashed writer's
    /// leftovers, a file cut short or with changed bytes — newest first. Older folders are not read.
    public static func newestIntact(in runDirectory: URL) throws -> (checkpoint: CheckpointFolder?, passedOver: [CheckpointError]) {
        var passedOver: [CheckpointError] = []
        for folder in try stepFolders(in: runDirectory).reversed() {
            do {
                try folder.verifyIntact()
                return (folder, passedOver)
            } catch let error as CheckpointError {
                passedOver.append(error)
            }
        }
        return (nil, passedOver)
    }

    /// The complete `checkpoint-STEP` folder with the highest step, by the manifest's sizes only (no
    /// file is read through): for readers that only look at a run, such as a report.
    public static func newestComplete(in runDirectory: URL) throws -> CheckpointFolder? {
        try stepFolders(in: runDirectory).last(where: \.isComplete)
    }

    /// Removes complete `checkpoint-STEP` folders beyond the newest `count`; never touches `final`,
    /// incomplete folders or other files. Returns the folders removed.
    @discardableResult
    public static func removeAllButNewest(_ count: Int, in runDirectory: URL) throws -> [CheckpointFolder] {
        precondition(count >= 0, "cannot keep a negative number of checkpoints")
        let doomed = try stepFolders(in: runDirectory).filter(\.isComplete).dropLast(count)
        for folder in doomed { try AtomicFolder.remove(folder.url) }
        return Array(doomed)
    }

    /// `checkpoint-STEP` folders in increasing step order.
    private static func stepFolders(in runDirectory: URL) throws -> [CheckpointFolder] {
        guard FileManager.default.fileExists(atPath: runDirectory.path) else { return [] }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: runDirectory.path)
        } catch {
            throw CheckpointError.unreadable(path: runDirectory.path, reason: "\(error)")
        }
        return names.map { CheckpointFolder(url: runDirectory.appendingPathComponent($0)) }
            .compactMap { folder in folder.step.map { (folder, $0) } }
            .sorted { $0.1 < $1.1 }
            .map(\.0)
    }

    // MARK: Reading

    /// The raw `config.json`, for the model's own configuration type to decode.
    public func readConfig() throws -> Data {
        try readFile(Self.configFile)
    }

    /// Reads every tensor of `layout` into `parameters`, converting F16/BF16 to Float. A GPT-2
    /// tensor may be stored with or without the `transformer.` prefix; tensors the layout does not
    /// name (e.g. attention-mask buffers of old exports) are ignored.
    public func readParameters(layout: TensorLayout, into parameters: FloatBuffer) throws {
        precondition(parameters.count == layout.totalCount, "parameter buffer does not follow the layout")
        let reader = try ModelWeights(folder: url)
        for spec in layout.specs {
            let names = Self.acceptedNames(for: spec.name)
            guard let stored = names.first(where: { reader.entry($0) != nil }) else {
                throw CheckpointError.missingTensor(file: reader.path, tensor: spec.name, triedNames: names)
            }
            try reader.read(stored, into: layout.view(spec.name, in: parameters), expectedShape: spec.shape)
        }
    }

    /// Reads AdamW's moments of elements `range` of the flat buffer (all of it by default; a rank's
    /// shard under ZeRO, however many ranks wrote the checkpoint) into buffers of `range.count`;
    /// returns the optimizer's step count.
    public func readOptimizerMoments(layout: TensorLayout, range: Range<Int>? = nil, firstMoment: FloatBuffer,
                                     secondMoment: FloatBuffer) throws -> Int {
        let range = range ?? 0 ..< layout.totalCount
        precondition(firstMoment.count == range.count && secondMoment.count == range.count && range.upperBound <= layout.totalCount,
                     "optimizer moments do not follow the layout")
        let reader = try openSafetensors(Self.optimizerFile)
        guard let stepText = reader.metadata[Self.optimizerStepKey], let step = Int(stepText), step >= 0 else {
            throw CheckpointError.malformed(file: reader.path, reason: "metadata lacks a non-negative integer '\(Self.optimizerStepKey)'")
        }
        for (prefix, buffer) in [(Self.firstMomentPrefix, firstMoment), (Self.secondMomentPrefix, secondMoment)] {
            for spec in layout.specs {
                let name = prefix + spec.name
                guard let entry = reader.entry(name) else {
                    throw CheckpointError.missingTensor(file: reader.path, tensor: name, triedNames: [name])
                }
                guard entry.shape == spec.shape else {
                    throw SafetensorsError.shapeMismatch(file: reader.path, tensor: name, expected: spec.shape, found: entry.shape)
                }
                let part = (spec.offset ..< spec.offset + spec.count).clamped(to: range)
                guard !part.isEmpty else { continue }
                let destination = buffer.buffer[part.lowerBound - range.lowerBound ..< part.upperBound - range.lowerBound]
                try reader.read(name, elements: part.lowerBound - spec.offset ..< part.upperBound - spec.offset,
                                into: UnsafeMutableBufferPointer(rebasing: destination), expectedShape: spec.shape)
            }
        }
        return step
    }

    public func readTrainerState() throws -> TrainerState {
        let path = file(Self.trainerStateFile).path
        let state: TrainerState
        do {
            state = try JSONDecoder().decode(TrainerState.self, from: try readFile(Self.trainerStateFile))
        } catch let error as DecodingError {
            throw CheckpointError.malformed(file: path, reason: "not a trainer state: \(error)")
        }
        guard state.formatVersion <= TrainerState.currentFormatVersion else {
            throw CheckpointError.malformed(file: path,
                reason: "format_version \(state.formatVersion) is newer than this program reads (\(TrainerState.currentFormatVersion))")
        }
        return state
    }

    /// The names a layout tensor may be stored under, preferred first.
    static func acceptedNames(for name: String) -> [String] {
        let prefix = optionalTensorPrefix
        return [name, name.hasPrefix(prefix) ? String(name.dropFirst(prefix.count)) : prefix + name]
    }

    private func readFile(_ name: String) throws -> Data {
        let url = file(name)
        guard FileManager.default.fileExists(atPath: url.path) else { throw CheckpointError.missingFile(file: url.path) }
        do {
            return try Data(contentsOf: url)
        } catch {
            throw CheckpointError.unreadable(path: url.path, reason: "\(error)")
        }
    }

    private func openSafetensors(_ name: String) throws -> SafetensorsReader {
        let url = file(name)
        guard FileManager.default.fileExists(atPath: url.path) else { throw CheckpointError.missingFile(file: url.path) }
        return try SafetensorsReader(url: url)
    }
}
