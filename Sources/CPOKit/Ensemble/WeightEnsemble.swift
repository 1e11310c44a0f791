import Foundation

/// The weight-space ensemble θ_α = α·θ_MLE + (1 − α)·θ_CPO, tensor by tensor (DESIGN §2): α = 1 is
/// the MLE model, α = 0 the CPO model. Both models share one parameter layout, so a mix is one
/// pass over the flat parameter buffers.
public struct WeightEnsemble {
    public let mle: any LanguageModel
    public let cpo: any LanguageModel
    /// `tokenizer` when given, else the MLE folder's, which the CPO folder's is checked to equal.
    public let tokenizer: any Tokenizer
    public let mleFolder: URL
    public let cpoFolder: URL

    public static let allowedAlphas = "a number in [0, 1] (1 is the MLE model, 0 the CPO model)"

    /// Loads both folders after checking that they can be mixed: equal configs, the same tensors
    /// with the same shapes, the same tokenizer (unless `tokenizer` replaces both).
    public init(mle mleFolder: URL, cpo cpoFolder: URL, tokenizer replacement: (any Tokenizer)? = nil) throws {
        self.mleFolder = mleFolder
        self.cpoFolder = cpoFolder
        let configs = try [mleFolder, cpoFolder].map { try ModelRegistry.loadConfig(from: $0.appendingPathComponent(CheckpointFolder.configFile)) }
        try Self.compare(configs[0], configs[1], mleFolder, cpoFolder)
        // With equal configs both folders load into one layout: loading checks every tensor's shape.
        let loaded = try [mleFolder, cpoFolder].map { try ModelFolder.load($0, tokenizer: replacement) }
        if replacement == nil { try Self.compare(loaded[0].tokenizer, loaded[1].tokenizer, mleFolder, cpoFolder) }
        (mle, tokenizer) = loaded[0]
        cpo = loaded[1].model
    }

    public static func validate(alpha: Double, option: String = "alpha") throws {
        guard alpha >= 0 && alpha <= 1 else { throw OptionError(option: option, value: "\(alpha)", allowed: allowedAlphas) }
    }

    /// Overwrites `target`'s parameters with θ_α; `target` has the models' config.
    public func mix(alpha: Double, into target: any LanguageModel) throws {
        try Self.validate(alpha: alpha)
        precondition(target.config.isSame(as: mle.config), "the target model's config differs from the ensemble's")
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
    public func model(alpha: Double) throws -> any LanguageModel {
        let model = mle.config.zeroModel()
        try mix(alpha: alpha, into: model)
        return model
    }

    /// Writes θ_α as a model folder (config, weights, tokenizer files, manifest), atomically.
    public func write(alpha: Double, to folder: URL, weights format: WeightsFormat = WeightsFormat()) throws {
        try CheckpointFolder(url: folder).write(config: mle.config, layout: mle.layout, parameters: try model(alpha: alpha).parameters,
                                                tokenizer: tokenizer, weights: format)
    }

    private static func compare(_ mle: any ModelConfig, _ cpo: any ModelConfig, _ mleFolder: URL, _ cpoFolder: URL) throws {
        guard !mle.isSame(as: cpo) else { return }
        let objects = try [mle, cpo].map { try JSONDecoder().decode(JSONValue.self, from: $0.configJSON()) }
        guard case let .object(a) = objects[0], case let .object(b) = objects[1] else { return }
        func shown(_ value: JSONValue?) throws -> String {
            try value.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) } ?? "absent"
        }
        for field in Set(a.keys).union(b.keys).sorted() where a[field] != b[field] {
            throw EnsembleError.configMismatch(field: field, mleValue: try shown(a[field]), cpoValue: try shown(b[field]),
                                               mleFolder: mleFolder.path, cpoFolder: cpoFolder.path)
        }
    }

    private static func compare(_ mle: any Tokenizer, _ cpo: any Tokenizer, _ mleFolder: URL, _ cpoFolder: URL) throws {
        var reason: String?
        if ObjectIdentifier(type(of: mle)) != ObjectIdentifier(type(of: cpo)) {
            reason = "\(type(of: mle)) and \(type(of: cpo))"
        } else if mle.vocabularySize != cpo.vocabularySize || mle.endOfText != cpo.endOfText {
            reason = "\(mle.vocabularySize) and \(cpo.vocabularySize) tokens, end-of-text \(mle.endOfText) and \(cpo.endOfText)"
        } else if let file = [HuggingFaceTokenizer.fileName, GPT2Tokenizer.vocabularyFileName, GPT2Tokenizer.mergesFileName].first(where: { name in
            (try? Data(contentsOf: mleFolder.appendingPathComponent(name))) != (try? Data(contentsOf: cpoFolder.appendingPathComponent(name)))
        }) {
            reason = "\(file) differs"
        }
        if let reason { throw EnsembleError.tokenizerMismatch(reason: reason, mleFolder: mleFolder.path, cpoFolder: cpoFolder.path) }
    }
}
