@testable import CPOKit
import FuzzSupport

/// A config.json: read by the family its model_type names, written back and read again; a small
/// enough shape is also built and run on two tokens, as `--model` would.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ start: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let data = FuzzInput.data(start, count)
    guard let config = try? ModelRegistry.config(fromJSON: data, file: "config.json") else { return 0 }
    let written = try! config.configJSON()
    let again: any ModelConfig
    do { again = try ModelRegistry.config(fromJSON: written, file: "written") } catch {
        fatalError("the config.json written back does not read: \(error)")
    }
    FuzzInput.require(again.weightFloats == config.weightFloats && again.maxPositions == config.maxPositions,
                      "the config read back differs")
    _ = config.forwardFLOPs(batchSize: 1, length: min(config.maxPositions, 4))
    _ = config.decodeStepFLOPs(rows: 1, position: min(config.maxPositions, 4) - 1)
    guard config.weightFloats <= 50_000, config.maxPositions >= 2, config.vocabularySize >= 2 else { return 0 }
    guard let model = try? config.randomModel(seed: 1) else { return 0 }
    do {
        try model.forward(tokens: [0, 1], targets: [1, -1], batchSize: 1, length: 2)
    } catch {
        fatalError("a valid config's model refused two valid tokens: \(error)")
    }
    return 0
}

FuzzInput.run(fuzzConfig)
