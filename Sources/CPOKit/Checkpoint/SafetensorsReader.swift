import Foundation

/// Element types a safetensors tensor may be stored in; all are read as Float.
public enum SafetensorsDType: String, Sendable {
    case f32 = "F32", f16 = "F16", bf16 = "BF16"
    var byteSize: Int { self == .f32 ? 4 : 2 }
}

/// A safetensors file, memory-mapped, with its header fully validated on open: offsets inside the
/// file, tensors contiguous and back to back, shape × dtype size equal to the byte length, no
/// arithmetic overflow. Data is converted to Float only when a tensor is read.
public struct SafetensorsReader {
    public struct Entry: Sendable {
        public let name: String
        public let dtype: SafetensorsDType
        public let shape: [Int]
        /// Byte range inside the data section (after the 8-byte length and the JSON header).
        public let range: Range<Int>
    }

    /// Refuses headers larger than this, as the reference implementation does.
    static let maxHeaderBytes = 100_000_000

    public let path: String
    public let metadata: [String: String]
    /// Tensors in file order.
    public let entries: [Entry]
    private let entryByName: [String: Int]
    private let data: Data
    private let dataStart: Int

    public init(url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw SafetensorsError.unreadable(file: url.path, reason: (error as NSError).localizedDescription)
        }
        try self.init(data: data, path: url.path)
    }

    /// The file's bytes, already read; `path` names it in errors.
    init(data: Data, path: String) throws {
        self.path = path
        self.data = data
        let file = path
        guard data.count >= 8 else {
            throw SafetensorsError.badHeader(file: file, reason: "file is \(data.count) bytes, shorter than the 8-byte header length")
        }
        let headerLength = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: 0, as: UInt64.self)) }
        guard headerLength <= UInt64(Self.maxHeaderBytes) else {
            throw SafetensorsError.badHeader(file: file, reason: "header length \(headerLength) exceeds the \(Self.maxHeaderBytes)-byte limit")
        }
        guard 8 + Int(headerLength) <= data.count else {
            throw SafetensorsError.badHeader(file: file, reason: "header length \(headerLength) runs past the end of the \(data.count)-byte file")
        }
        dataStart = 8 + Int(headerLength)
        let headerBytes = data.subdata(in: 8..<dataStart)
        guard let json = try? JSONSerialization.jsonObject(with: headerBytes), let header = json as? [String: Any] else {
            throw SafetensorsError.badHeader(file: file, reason: "header is not a JSON object")
        }
        if let name = Self.repeatedTopLevelKey(in: headerBytes) {
            throw SafetensorsError.badTensor(file: file, tensor: name, reason: "named twice in the header: which one holds the tensor is ambiguous")
        }
        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let dict = value as? [String: Any] else {
                    throw SafetensorsError.badHeader(file: file, reason: "__metadata__ is not an object")
                }
                for (key, item) in dict {
                    guard let string = item as? String else {
                        throw SafetensorsError.badHeader(file: file, reason: "__metadata__ value for '\(key)' is not a string")
                    }
                    metadata[key] = string
                }
                continue
            }
            entries.append(try Self.parseEntry(name: name, value: value, file: file))
        }
        entries.sort { ($0.range.lowerBound, $0.range.upperBound) < ($1.range.lowerBound, $1.range.upperBound) }
        let dataLength = data.count - dataStart
        var expectedStart = 0
        for entry in entries {
            guard entry.range.lowerBound == expectedStart else {
                throw SafetensorsError.badTensor(file: file, tensor: entry.name,
                    reason: "data starts at byte \(entry.range.lowerBound), expected \(expectedStart): tensors must be contiguous without gaps or overlaps")
            }
            guard entry.range.upperBound <= dataLength else {
                throw SafetensorsError.badTensor(file: file, tensor: entry.name,
                    reason: "data_offsets [\(entry.range.lowerBound), \(entry.range.upperBound)] run past the end of the \(dataLength)-byte data section (truncated file?)")
            }
            expectedStart = entry.range.upperBound
        }
        guard expectedStart == dataLength else {
            throw SafetensorsError.badHeader(file: file,
                reason: "tensors cover \(expectedStart) bytes but the data section holds \(dataLength)")
        }
        self.metadata = metadata
        self.entries = entries
        var byName: [String: Int] = [:]
        for (i, entry) in entries.enumerated() { byName[entry.name] = i }
        entryByName = byName
    }

    private static func parseEntry(name: String, value: Any, file: String) throws -> Entry {
        func fail(_ reason: String) -> SafetensorsError { .badTensor(file: file, tensor: name, reason: reason) }
        guard let dict = value as? [String: Any] else { throw fail("entry is not an object") }
        guard let dtypeName = dict["dtype"] as? String else { throw fail("missing dtype") }
        guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
            throw fail("dtype \(dtypeName) is not supported (F32, F16, BF16)")
        }
        guard let shapeValues = dict["shape"] as? [Any] else { throw fail("missing shape") }
        let shape = shapeValues.compactMap(nonNegativeInteger)
        guard shape.count == shapeValues.count else { throw fail("shape \(shapeValues) must hold non-negative integers") }
        guard let offsetValues = dict["data_offsets"] as? [Any], offsetValues.count == 2,
              let begin = nonNegativeInteger(offsetValues[0]), let end = nonNegativeInteger(offsetValues[1]), begin <= end else {
            throw fail("data_offsets must be [begin, end] with integers 0 ≤ begin ≤ end")
        }
        var elements = 1
        for dimension in shape {
            let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw fail("shape \(shape) overflows") }
            elements = product
        }
        let (bytes, overflow) = elements.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow, bytes == end - begin else {
            throw fail("shape \(shape) × \(dtype.rawValue) is \(overflow ? "too many" : String(bytes)) bytes but data_offsets span \(end - begin)")
        }
        return Entry(name: name, dtype: dtype, shape: shape, range: begin..<end)
    }

    /// The first key the header's top-level object has twice, if any; JSONSerialization keeps one of
    /// them silently. `json` is already known to parse.
    private static func repeatedTopLevelKey(in json: Data) -> String? {
        let bytes = [UInt8](json)
        var seen = Set<String>()
        var depth = 0
        var expectingKey = false
        var index = 0
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\""):
                let start = index
                index += 1
                while index < bytes.count && bytes[index] != UInt8(ascii: "\"") { index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1 }
                guard index < bytes.count else { return nil }
                if depth == 1 && expectingKey {
                    expectingKey = false
                    // Decoded, so that escaped and plain spellings of one name are one name.
                    let literal = Data(bytes[start ... index])
                    guard let key = (try? JSONSerialization.jsonObject(with: literal, options: .fragmentsAllowed)) as? String else { return nil }
                    if !seen.insert(key).inserted { return key }
                }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                expectingKey = depth == 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
            case UInt8(ascii: ",") where depth == 1:
                expectingKey = true
            default:
                break
            }
            index += 1
        }
        return nil
    }

    /// A JSON integer that fits `Int` and is not negative. Foundation bridges JSON booleans to
    /// NSNumber too (type code "c"), so they are told apart explicitly.
    private static func nonNegativeInteger(_ value: Any) -> Int? {
        guard let number = value as? NSNumber, String(cString: number.objCType) != "c",
              let integer = value as? Int, integer >= 0 else { return nil }
        return integer
    }

    public var tensorNames: [String] { entries.map(\.name) }

    public func entry(_ name: String) -> Entry? { entryByName[name].map { entries[$0] } }

    /// Reads tensor `name` into `destination`, converting to Float; its shape must be `expectedShape`
    /// and every value finite: a NaN or infinity would only show up later as NaN logits and losses.
    public func read(_ name: String, into destination: UnsafeMutableBufferPointer<Float>, expectedShape: [Int]) throws {
        precondition(destination.count == expectedShape.reduce(1, *), "destination size does not match expected shape")
        try read(name, elements: 0 ..< destination.count, into: destination, expectedShape: expectedShape)
    }

    /// Reads `elements` of tensor `name` (flat, row-major) into `destination`, converting to Float;
    /// the tensor's shape must be `expectedShape`. Only those elements' bytes are touched.
    public func read(_ name: String, elements: Range<Int>, into destination: UnsafeMutableBufferPointer<Float>, expectedShape: [Int]) throws {
        guard let entry = entry(name) else { throw SafetensorsError.missingTensor(file: path, tensor: name) }
        guard entry.shape == expectedShape else {
            throw SafetensorsError.shapeMismatch(file: path, tensor: name, expected: expectedShape, found: entry.shape)
        }
        precondition(destination.count == elements.count && elements.lowerBound >= 0 && elements.upperBound <= expectedShape.reduce(1, *),
                     "elements \(elements) do not fit the tensor or the destination")
        let count = destination.count
        data.withUnsafeBytes { raw in
            let source = raw.baseAddress! + dataStart + entry.range.lowerBound + elements.lowerBound * entry.dtype.byteSize
            switch entry.dtype {
            case .f32:
                UnsafeMutableRawBufferPointer(destination).copyMemory(from: UnsafeRawBufferPointer(start: source, count: count * 4))
            case .f16:
                for i in 0..<count {
                    let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                    destination[i] = Float(Float16(bitPattern: bits))
                }
            case .bf16:
                for i in 0..<count {
                    let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                    destination[i] = Float(bitPattern: UInt32(bits) << 16)
                }
            }
        }
        if let bad = destination.firstIndex(where: { !$0.isFinite }) {
            throw SafetensorsError.nonFiniteValue(file: path, tensor: name, index: bad, shape: entry.shape, value: destination[bad])
        }
    }

    /// Reads a whole tensor as a new array, with its shape.
    public func floats(_ name: String) throws -> (shape: [Int], values: [Float]) {
        guard let entry = entry(name) else { throw SafetensorsError.missingTensor(file: path, tensor: name) }
        var values = [Float](repeating: 0, count: entry.shape.reduce(1, *))
        try values.withUnsafeMutableBufferPointer { try read(name, into: $0, expectedShape: entry.shape) }
        return (entry.shape, values)
    }
}
