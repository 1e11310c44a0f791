import Foundation

/// Writes Float tensors as a safetensors file, atomically: the bytes go to a temporary file in the
/// same folder, are flushed to disk, and only then renamed over the destination. Tensor data is
/// streamed from the caller's buffers, never copied whole. F32 is the default, since checkpoints
/// must resume exactly; F16 and BF16 are for export, rounded as PyTorch rounds (`HalfPrecision`).
public enum SafetensorsWriter {
    public struct Tensor {
        public let name: String
        public let shape: [Int]
        public let values: UnsafeBufferPointer<Float>
        public init(name: String, shape: [Int], values: UnsafeBufferPointer<Float>) {
            self.name = name; self.shape = shape; self.values = values
        }
    }

    /// Elements narrowed per chunk: large enough that writes are big, small enough to stay in cache.
    static let conversionChunk = 1 << 16

    public static func write(_ tensors: [Tensor], dtype: SafetensorsDType = .f32, metadata: [String: String] = ["format": "pt"],
                             to url: URL) throws {
        for tensor in tensors {
            precondition(tensor.values.count == tensor.shape.reduce(1, *), "tensor \(tensor.name) size does not match its shape")
        }
        let prefix = header(tensors.map { ($0.name, $0.shape) }, dtype: dtype, metadata: metadata)
        try AtomicFile.write(to: url) { sink in
            try sink.append(prefix)
            switch dtype {
            case .f32:
                for tensor in tensors { try sink.append(UnsafeRawBufferPointer(tensor.values)) }
            case .f16:
                try appendNarrowed(tensors, to: sink, HalfPrecision.float16Bits)
            case .bf16:
                try appendNarrowed(tensors, to: sink, HalfPrecision.bfloat16Bits)
            }
        }
    }

    /// Where `write(f32:…)` takes the values of its tensors, front to back.
    public final class ValueSink {
        fileprivate let sink: AtomicFile.Sink
        fileprivate var written = 0

        fileprivate init(_ sink: AtomicFile.Sink) { self.sink = sink }

        public func append(_ values: UnsafeBufferPointer<Float>) throws {
            try sink.append(UnsafeRawBufferPointer(values))
            written += values.count
        }
    }

    /// Writes F32 tensors whose values `produce` appends, in the order of `tensors` and without a gap,
    /// for values that are not in this process as whole tensors (AdamW's moments under ZeRO, gathered
    /// from the ranks piece by piece).
    public static func write(f32 tensors: [(name: String, shape: [Int])], metadata: [String: String] = ["format": "pt"], to url: URL,
                             values produce: (ValueSink) throws -> Void) throws {
        let prefix = header(tensors, dtype: .f32, metadata: metadata)
        let expected = tensors.reduce(0) { $0 + $1.shape.reduce(1, *) }
        try AtomicFile.write(to: url) { sink in
            try sink.append(prefix)
            let values = ValueSink(sink)
            try produce(values)
            precondition(values.written == expected, "\(values.written) values written for tensors of \(expected)")
        }
    }

    /// The 8-byte header length and the JSON header of tensors stored back to back in this order.
    private static func header(_ tensors: [(name: String, shape: [Int])], dtype: SafetensorsDType, metadata: [String: String]) -> Data {
        var header = "{"
        if !metadata.isEmpty {
            let items = metadata.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)):\(jsonString($0.value))" }
            header += "\"__metadata__\":{\(items.joined(separator: ","))}"
        }
        var offset = 0
        for tensor in tensors {
            let bytes = tensor.shape.reduce(1, *) * dtype.byteSize
            if header.count > 1 { header += "," }
            header += "\(jsonString(tensor.name)):{\"dtype\":\"\(dtype.rawValue)\",\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + bytes)]}"
            offset += bytes
        }
        header += "}"
        // Pad with spaces so the data section starts 8-byte aligned, as the reference writer does.
        while (header.utf8.count % 8) != 0 { header += " " }
        var prefix = Data(capacity: 8 + header.utf8.count)
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { prefix.append(contentsOf: $0) }
        prefix.append(contentsOf: Array(header.utf8))
        return prefix
    }

    /// Streams each tensor through one reused chunk of 16-bit values, so a narrowed export needs
    /// no copy of the model.
    private static func appendNarrowed(_ tensors: [Tensor], to sink: AtomicFile.Sink, _ narrow: (Float) -> UInt16) throws {
        var chunk = [UInt16](repeating: 0, count: conversionChunk)
        try chunk.withUnsafeMutableBufferPointer { chunk in
            for tensor in tensors {
                var start = 0
                while start < tensor.values.count {
                    let count = min(chunk.count, tensor.values.count - start)
                    for i in 0..<count { chunk[i] = narrow(tensor.values[start + i]).littleEndian }
                    try sink.append(UnsafeRawBufferPointer(UnsafeMutableBufferPointer(rebasing: chunk[0..<count])))
                    start += count
                }
            }
        }
    }

    private static func jsonString(_ string: String) -> String {
        let data = try! JSONSerialization.data(withJSONObject: [string], options: [.withoutEscapingSlashes])
        let array = String(decoding: data, as: UTF8.self)
        return String(array.dropFirst().dropLast())
    }
}
