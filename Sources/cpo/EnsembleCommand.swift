import ArgumentParser
import CPOKit
import Foundation

struct EnsembleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ensemble",
        abstract: "Mix two models in weight space: θ = α·θ_MLE + (1 − α)·θ_CPO.",
        discussion: """
            Tensor by tensor, in Float; α = 1 gives the MLE model's weights bit for bit, α = 0 the \
            CPO model's. The two folders must have the same config, tensors and tokenizer. --out is \
            a model folder like a run's final/ (config.json, model.safetensors, tokenizer files), \
            written atomically; under mpirun only rank 0 writes.
            """)

    @Option(help: "The MLE model folder (weight α).") var mle: String
    @Option(help: "The CPO model folder (weight 1 − α).") var cpo: String
    @Option(help: "α in [0, 1]: 1 is the MLE model, 0 the CPO model.") var alpha: Double
    @Option(help: "Output model folder.") var out: String
    @Option(help: "Dtype of the written weights: f32, bf16 or f16.") var saveDtype = "f32"
    @Option(help: "Weights above this size are written as shards plus model.safetensors.index.json: bytes, or e.g. 500MB, 5GB.")
    var maxShardSize = "5GB"

    func validate() throws {
        do {
            try WeightEnsemble.validate(alpha: alpha)
            _ = try WeightsFormat(dtypeName: saveDtype, maxShardSize: maxShardSize)
        } catch { throw ValidationError("\(error)") }
        try OutputFolder.check(URL(fileURLWithPath: out))
    }

    func run() throws {
        try WorldJob.run { communicator in
            let ensemble = try WeightEnsemble(mle: URL(fileURLWithPath: mle), cpo: URL(fileURLWithPath: cpo))
            if communicator.rank == 0 {
                try ensemble.write(alpha: alpha, to: URL(fileURLWithPath: out),
                                   weights: WeightsFormat(dtypeName: saveDtype, maxShardSize: maxShardSize))
                print("wrote the ensemble α = \(alpha) of \(mle) (MLE) and \(cpo) (CPO) to \(out)")
            }
            try communicator.barrier()
        }
    }
}
