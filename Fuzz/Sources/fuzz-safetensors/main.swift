@testable import CPOKit
import FuzzSupport

/// A safetensors file: its header is validated on open, then every tensor small enough is read.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ start: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let data = FuzzInput.data(start, count)
    guard let reader = try? SafetensorsReader(data: data, path: "fuzz.safetensors") else { return 0 }
    var covered = 0
    for entry in reader.entries {
        covered += entry.range.count
        guard entry.shape.reduce(1, *) <= 1 << 16, let (shape, values) = try? reader.floats(entry.name) else { continue }
        FuzzInput.require(shape == entry.shape && values.count == shape.reduce(1, *) && values.allSatisfy(\.isFinite),
                          "tensor \(entry.name) read as \(shape), \(values.count) values")
    }
    FuzzInput.require(covered <= data.count, "tensors claim \(covered) bytes of a \(data.count)-byte file")
    return 0
}

FuzzInput.run(fuzzSafetensors)
