import Foundation
import XCTest
@testable import CPOKit

/// A tensor of a checkpoint that a test writes, often a real one's renamed, reshaped or left out.
typealias NamedTensor = (name: String, shape: [Int], values: [Float])

extension SafetensorsReader {
    /// Tensor `name`, to be written as `renamed`.
    func namedTensor(_ name: String, renamed: String? = nil) throws -> NamedTensor {
        let (shape, values) = try floats(name)
        return (renamed ?? name, shape, values)
    }
}

extension XCTestCase {
    /// Writes `tensors` to a model.safetensors in a temporary folder that goes away with the test,
    /// and opens it.
    func writeCheckpoint(_ tensors: [NamedTensor]) throws -> SafetensorsReader {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("checkpoint-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("model.safetensors")
        let buffers = tensors.map { FloatBuffer($0.values) }
        // The writer gets raw pointers: keep the buffers alive until it has read them.
        try withExtendedLifetime(buffers) {
            try SafetensorsWriter.write(zip(tensors, buffers).map { tensor, buffer in
                .init(name: tensor.name, shape: tensor.shape, values: UnsafeBufferPointer(buffer.buffer))
            }, to: url)
        }
        return try SafetensorsReader(url: url)
    }
}
