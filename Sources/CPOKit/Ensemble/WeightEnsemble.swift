import Foundation

/// The weight-space ensemble θ_α = α·θ_MLE + (1 − α)·θ_CPO, tensor by tensor (DESIGN §2): α = 1 is
/// the MLE model, α = 0 the CPO model. Both models share one parameter layout, so a mix is one
/// pass over the flat parameter buffers.
public struct WeightEnsemble {
    public let mle: GPT2
    public let cpo: GPT2
    /// The MLE folder's tokenizer; the CPO folder's is checked to be the same.
    public let tokenizer: any Tokenizer
    public let mleFolder: URL
    public let cpoFolder: URL

    public static let allowedAlphas = "a number in [0, 1] (1 is the MLE model, 0 the CPO model)"

    /// Loads both folders after checking that they can be mixed: equal configs, the same tensors
    /// with the same shapes, the same tokenizer.
    public init(mle mleFolder: URL, cpo cpoFolder: URL) throws {
        self.mleFolder = mleFolder
        self.cpoFolder = cpoFolder
        let configs = try [mleFolder, cpoFolder].map { try GPT2Config.load(from: $0.appendingPathComponent(CheckpointFolder.configFile)) }
        try Self.compare(configs[0], configs[1], mleFolder, cpoFolder)
        let readers = try [mleFolder, cpoFolder].map { try SafetensorsReader(url: $0.appendingPathComponent(CheckpointFolder.modelFile)) }
        try Self.compare(readers[0], readers[1], mleFolder, cpoFolder)
        let loaded = try [mleFolder, cpoFolder].map { try ModelFolder.load($0) }
        try Self.compare(loaded[0].tokenizer, loaded[1].tokenizer, mleFolder, cpoFolder)
        (mle, tokenizer) = loaded[0]
        cpo = loaded[1].model
    }

    public static func validate(alpha: Double, option: String = "alpha") throws {
        guard alpha >= 0 && alpha <= 1 else { throw OptionError(option: option, value: "\(alpha)", allowed: allowedAlphas) }
    }

    /// Overwrites `target`'s parameters with θ_α; `target` has the models' config.
    public func mix(alpha: Double, into target: GPT2) throws {
        try Self.validate(alpha: alpha)
        precondition(target.config == mle.config, "the target model's config differs from the ensemble's")
        let count = mle.parameters.count
        let a = mle.parameters.pointer, b = cpo.parameters.pointer, out = target.parameters.pointer
        // The ends are copies, not products: 1·a + 0·b turns a −0 into +0 and a non-finite b into NaN.
        switch alpha {
        case 1: out.update(from: a, count: count)
        case 0: out.update(from: b, count: count)
        default:
            let alpha = Float(alpha), beta = 1 - alpha
            for i in 0..<count { out[i] = alpha * a[i] + beta * b[i] }
        }
    }

    /// A new model holding θ_α.
    public func model(alpha: Double) throws -> GPT2 {
        let model = GPT2(validated: mle.config)
        try mix(alpha: alpha, into: model)
        return model
    }

    /// Writes θ_α as a model folder (config, weights, tokenizer files, manifest), atomically.
    public func write(alpha: Double, to folder: URL) throws {
        try CheckpointFolder(url: folder).write(config: mle.config, layout: mle.layout, parameters: try model(alpha: alpha).parameters,
                                                tokenizer: tokenizer)
    }

    private static func compare(_ mle: GPT2Config, _ cpo: GPT2Config, _ mleFolder: URL, _ cpoFolder: URL) throws {
        guard mle != cpo, case let .object(a) = try JSONValue(encoding: mle), case let .object(b) = try JSONValue(encoding: cpo) else { return }
        func shown(_ value: JSONValue?) throws -> String {
            try value.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) } ?? "absent"
        }
        for field in Set(a.keys).union(b.keys).sorted() where a[field] != b[field] {
            throw EnsembleError.configMismatch(field: field, mleValue: try shown(a[field]), cpoValue: try shown(b[field]),
                                               mleFolder: mleFolder.path, cpoFolder: cpoFolder.path)
        }
    }

    private static func compare(_ mle: SafetensorsReader, _ cpo: SafetensorsReader, _ mleFolder: URL, _ cpoFolder: URL) throws {
        // Keyed by the prefixed name, since a folder may store either form.
        func shapes(_ reader: SafetensorsReader) -> [String: [Int]] {
            let prefix = CheckpointFolder.optionalTensorPrefix
            return Dictionary(reader.entries.filter { !GPT2.isIgnoredCheckpointTensor($0.name) }
                .map { ($0.name.hasPrefix(prefix) ? $0.name : prefix + $0.name, $0.shape) }) { first, _ in first }
        }
        let a = shapes(mle), b = shapes(cpo)
        for tensor in Set(a.keys).union(b.keys).sorted() {
            let reason: String
            switch (a[tensor], b[tensor]) {
            case let (x?, y?) where x != y: reason = "has shape \(x) in the MLE model, \(y) in the CPO model"
            case (nil, _?): reason = "is only in the CPO model"
            case (_?, nil): reason = "is only in the MLE model"
            default: continue
            }
            throw EnsembleError.tensorMismatch(tensor: tensor, reason: reason, mleFolder: mleFolder.path, cpoFolder: cpoFolder.path)
        }
    }

    private static func compare(_ mle: any Tokenizer, _ cpo: any Tokenizer, _ mleFolder: URL, _ cpoFolder: URL) throws {
        var reason: String?
        if ObjectIdentifier(type(of: mle)) != ObjectIdentifier(type(of: cpo)) {
            reason = "\(type(of: mle)) and \(type(of: cpo))"
        } else if mle.vocabularySize != cpo.vocabularySize || mle.endOfText != cpo.endOfText {
            reason = "\(mle.vocabularySize) and \(cpo.vocabularySize) tokens, end-of-text \(mle.endOfText) and \(cpo.endOfText)"
        } else if let file = [GPT2Tokenizer.vocabularyFileName, GPT2Tokenizer.mergesFileName].first(where: { name in
            (try? Data(contentsOf: mleFolder.appendingPathComponent(name))) != (try? Data(contentsOf: cpoFolder.appendingPathComponent(name)))
        }) {
            reason = "\(file) differs"
        }
        if let reason { throw EnsembleError.tokenizerMismatch(reason: reason, mleFolder: mleFolder.path, cpoFolder: cpoFolder.path) }
    }
}
