import XCTest
@testable import CPOKit

/// Malformed and hand-written safetensors files: every defect is refused with an error that names
/// the file (and the tensor at fault), and half-precision data is widened exactly.
final class SafetensorsRobustnessTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("st-robust-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try FileManager.default.removeItem(at: folder) }

    /// A file made of an 8-byte length, `header` verbatim, then `payload`.
    private func file(header: String, payload: [UInt8] = [], declaredHeaderLength: UInt64? = nil) throws -> URL {
        let url = folder.appendingPathComponent("\(UUID()).safetensors")
        var bytes = Data()
        withUnsafeBytes(of: (declaredHeaderLength ?? UInt64(header.utf8.count)).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: Array(header.utf8))
        bytes.append(contentsOf: payload)
        try bytes.write(to: url)
        return url
    }

    private func entry(_ name: String, _ dtype: String, _ shape: [Int], _ begin: Int, _ end: Int) -> String {
        "\"\(name)\":{\"dtype\":\"\(dtype)\",\"shape\":[\(shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(begin),\(end)]}"
    }

    private func header(_ entries: String...) -> String { "{" + entries.joined(separator: ",") + "}" }

    private func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        values.flatMap { value in withUnsafeBytes(of: value.littleEndian) { Array($0) } }
    }

    /// Opens `url`, expecting failure; the error must name the file and satisfy `check`.
    private func assertRefused(_ url: URL, file: StaticString = #filePath, line: UInt = #line,
                               _ check: (SafetensorsError) -> Bool) {
        XCTAssertThrowsError(try SafetensorsReader(url: url), file: file, line: line) { error in
            guard let error = error as? SafetensorsError else {
                return XCTFail("unexpected error type \(type(of: error)): \(error)", file: file, line: line)
            }
            XCTAssertTrue(error.description.contains(url.path), "error does not name the file: \(error)", file: file, line: line)
            XCTAssertTrue(check(error), "unexpected error: \(error)", file: file, line: line)
        }
    }

    private func isBadHeader(_ error: SafetensorsError) -> Bool {
        if case .badHeader = error { return true }
        return false
    }

    private func blamesTensor(_ name: String) -> (SafetensorsError) -> Bool {
        { error in
            if case let .badTensor(_, tensor, _) = error { return tensor == name }
            return false
        }
    }

    func testMissingFileIsUnreadable() {
        let url = folder.appendingPathComponent("absent.safetensors")
        assertRefused(url) { if case .unreadable = $0 { return true }; return false }
    }

    func testFileShorterThanLengthPrefix() throws {
        let url = folder.appendingPathComponent("short.safetensors")
        try Data([1, 0, 0]).write(to: url)
        assertRefused(url, isBadHeader)
    }

    func testHeaderLengthPastEndOfFile() throws {
        let text = header(entry("a", "F32", [1], 0, 4))
        assertRefused(try file(header: text, payload: [0, 0, 0, 0], declaredHeaderLength: UInt64(text.utf8.count + 100)), isBadHeader)
        assertRefused(try file(header: text, declaredHeaderLength: UInt64.max), isBadHeader)
    }

    func testHeaderThatIsNotAJSONObject() throws {
        assertRefused(try file(header: "{\"a\": {\"dtype\": \"F32\""), isBadHeader)
        assertRefused(try file(header: "[1, 2, 3]"), isBadHeader)
        assertRefused(try file(header: ""), isBadHeader)
        assertRefused(try file(header: header("\"__metadata__\":{\"format\":1}")), isBadHeader)
    }

    /// JSON parsers keep one of two equal keys silently; the reader must not guess which tensor is meant,
    /// even when both spell the same name differently or point at the same bytes.
    func testATensorNamedTwiceIsRefused() throws {
        let twice = header(entry("w", "F32", [1], 0, 4), entry("v", "F32", [1], 4, 8), entry("w", "F32", [1], 0, 4))
        assertRefused(try file(header: twice, payload: [UInt8](repeating: 0, count: 8)), blamesTensor("w"))
        let escaped = header(entry("w", "F32", [1], 0, 4), entry("\\u0077", "F32", [1], 4, 8))
        assertRefused(try file(header: escaped, payload: [UInt8](repeating: 0, count: 8)), blamesTensor("w"))
        let nested = header("\"__metadata__\":{\"w\":\"x\",\"w2\":\"w\"}", entry("w", "F32", [1], 0, 4))
        XCTAssertEqual(try SafetensorsReader(url: try file(header: nested, payload: [0, 0, 0, 0])).tensorNames, ["w"],
                       "a key inside an entry or the metadata is not a tensor name")
    }

    func testTruncatedDataBlamesTheTensorThatRunsPastTheEnd() throws {
        let text = header(entry("a", "F32", [2], 0, 8), entry("b", "F32", [3], 8, 20))
        assertRefused(try file(header: text, payload: [UInt8](repeating: 0, count: 14)), blamesTensor("b"))
    }

    func testOffsetsOutsideTheData() throws {
        let text = header(entry("far", "F32", [1], 1 << 40, (1 << 40) + 4))
        assertRefused(try file(header: text, payload: [0, 0, 0, 0]), blamesTensor("far"))
        let beyondInt = header("\"huge\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[18446744073709551612,18446744073709551616]}")
        assertRefused(try file(header: beyondInt, payload: [0, 0, 0, 0]), blamesTensor("huge"))
        assertRefused(try file(header: header(entry("backwards", "F32", [0], 4, 0)), payload: [0, 0, 0, 0]), blamesTensor("backwards"))
    }

    func testShapeThatDisagreesWithOffsetsSpan() throws {
        let text = header(entry("a", "F32", [2, 2], 0, 12))
        assertRefused(try file(header: text, payload: [UInt8](repeating: 0, count: 12)), blamesTensor("a"))
        let halfSized = header(entry("h", "F16", [4], 0, 16))
        assertRefused(try file(header: halfSized, payload: [UInt8](repeating: 0, count: 16)), blamesTensor("h"))
    }

    func testGapBetweenTensors() throws {
        let text = header(entry("a", "F32", [2], 0, 8), entry("b", "F32", [2], 12, 20))
        assertRefused(try file(header: text, payload: [UInt8](repeating: 0, count: 20)), blamesTensor("b"))
    }

    func testOverlappingTensors() throws {
        let text = header(entry("a", "F32", [2], 0, 8), entry("b", "F32", [2], 4, 12))
        assertRefused(try file(header: text, payload: [UInt8](repeating: 0, count: 12)), blamesTensor("b"))
    }

    func testBytesAfterTheLastTensor() throws {
        let text = header(entry("a", "F32", [1], 0, 4))
        assertRefused(try file(header: text, payload: [UInt8](repeating: 0, count: 8)), isBadHeader)
    }

    func testOverflowingShape() throws {
        let text = header(entry("big", "F32", [1 << 32, 1 << 32, 1 << 32], 0, 4))
        assertRefused(try file(header: text, payload: [0, 0, 0, 0]), blamesTensor("big"))
        let byteOverflow = header(entry("wide", "F32", [1 << 62], 0, 4))
        assertRefused(try file(header: byteOverflow, payload: [0, 0, 0, 0]), blamesTensor("wide"))
    }

    func testShapeEntriesMustBeNonNegativeIntegers() throws {
        for shape in ["[-1]", "[2.5]", "[true]", "[\"4\"]", "[18446744073709551615]", "1"] {
            let text = "{\"s\":{\"dtype\":\"F32\",\"shape\":\(shape),\"data_offsets\":[0,4]}}"
            assertRefused(try file(header: text, payload: [0, 0, 0, 0]), blamesTensor("s"))
        }
    }

    func testUnsupportedDType() throws {
        for dtype in ["I64", "F64", "f32", "U8"] {
            assertRefused(try file(header: header(entry("x", dtype, [1], 0, 4)), payload: [0, 0, 0, 0]), blamesTensor("x"))
        }
    }

    func testEntryWithoutRequiredFields() throws {
        assertRefused(try file(header: "{\"x\":{\"shape\":[1],\"data_offsets\":[0,4]}}", payload: [0, 0, 0, 0]), blamesTensor("x"))
        assertRefused(try file(header: "{\"x\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", payload: [0, 0, 0, 0]), blamesTensor("x"))
        assertRefused(try file(header: "{\"x\":{\"dtype\":\"F32\",\"shape\":[1]}}", payload: [0, 0, 0, 0]), blamesTensor("x"))
        assertRefused(try file(header: "{\"x\":[1]}", payload: [0, 0, 0, 0]), blamesTensor("x"))
    }

    func testHalfPrecisionTensorsAreWidenedExactly() throws {
        // IEEE binary16: 1, −2, 0.5, the largest finite value, the smallest subnormal, −0, the largest subnormal.
        let f16Bits: [UInt16] = [0x3C00, 0xC000, 0x3800, 0x7BFF, 0x0001, 0x8000, 0x03FF]
        let f16Expected: [Float] = [1, -2, 0.5, 65504, 0x1p-24, -0.0, 0x1.FF8p-15]
        // bfloat16 is the high half of a binary32: 1, −2.5, 3.140625, the smallest normal.
        let bf16Bits: [UInt16] = [0x3F80, 0xC020, 0x4049, 0x0080]
        let bf16Expected: [Float] = [1, -2.5, 3.140625, 0x1p-126]
        // The F32 tensor follows 7 F16 values, so it starts on an odd 2-byte boundary: reads must not assume alignment.
        let f32Values: [Float] = [0.25, -7]
        let payload = littleEndianBytes(f16Bits) + littleEndianBytes(f32Values.map(\.bitPattern)) + littleEndianBytes(bf16Bits)
        let text = header(entry("half", "F16", [7], 0, 14), entry("single", "F32", [2, 1], 14, 22), entry("brain", "BF16", [2, 2], 22, 30))
        let reader = try SafetensorsReader(url: try file(header: text, payload: payload))

        XCTAssertEqual(reader.entry("half")?.dtype, .f16)
        XCTAssertEqual(reader.entry("brain")?.dtype, .bf16)
        let half = try reader.floats("half")
        XCTAssertEqual(half.shape, [7])
        XCTAssertEqual(half.values, f16Expected)
        XCTAssertEqual(half.values[5].sign, .minus, "the sign of −0 is kept")
        XCTAssertEqual(try reader.floats("single").values, f32Values)
        let brain = try reader.floats("brain")
        XCTAssertEqual(brain.shape, [2, 2])
        XCTAssertEqual(brain.values, bf16Expected)
    }

    func testNonFiniteValuesAreRefusedNamingFileTensorAndElement() throws {
        // F32 NaN, F16 +∞, BF16 −∞, each after finite values.
        let payload = littleEndianBytes([Float(1), .nan].map(\.bitPattern)) + littleEndianBytes([UInt16(0x3C00), 0x3C00, 0x7C00])
            + littleEndianBytes([UInt16(0xFF80)])
        let text = header(entry("w", "F32", [2], 0, 8), entry("h", "F16", [3, 1], 8, 14), entry("b", "BF16", [1], 14, 16))
        let url = try file(header: text, payload: payload)
        let reader = try SafetensorsReader(url: url)
        for (tensor, index, shape, value) in [("w", 1, [2], Float.nan), ("h", 2, [3, 1], .infinity), ("b", 0, [1], -.infinity)] {
            XCTAssertThrowsError(try reader.floats(tensor), tensor) { error in
                guard case let .nonFiniteValue(file, name, at, of, found)? = error as? SafetensorsError else { return XCTFail("\(error)") }
                XCTAssertEqual([file, name], [url.path, tensor])
                XCTAssertEqual(at, index, tensor)
                XCTAssertEqual(of, shape, tensor)
                XCTAssertTrue(found.isNaN ? value.isNaN : found == value, "\(tensor): \(found)")
                XCTAssertTrue("\(error)".contains("tensor '\(tensor)'") && "\(error)".contains("weights must be finite"), "\(error)")
            }
        }
    }

    func testEmptyAndScalarTensorsAreAccepted() throws {
        let text = header(entry("empty", "F32", [0, 3], 0, 0), entry("scalar", "BF16", [], 0, 2))
        let reader = try SafetensorsReader(url: try file(header: text, payload: littleEndianBytes([UInt16(0x4000)])))
        XCTAssertEqual(try reader.floats("empty").values, [])
        XCTAssertEqual(try reader.floats("scalar").values, [2])
    }

    func testReadingNamesTheFileAndTensor() throws {
        let url = try file(header: header(entry("a", "F32", [2], 0, 8)), payload: [UInt8](repeating: 0, count: 8))
        let reader = try SafetensorsReader(url: url)
        var destination = [Float](repeating: 0, count: 2)
        XCTAssertThrowsError(try destination.withUnsafeMutableBufferPointer { try reader.read("a", into: $0, expectedShape: [1, 2]) }) { error in
            XCTAssertEqual(error as? SafetensorsError, .shapeMismatch(file: url.path, tensor: "a", expected: [1, 2], found: [2]))
        }
        XCTAssertThrowsError(try reader.floats("b")) { error in
            XCTAssertEqual(error as? SafetensorsError, .missingTensor(file: url.path, tensor: "b"))
        }
    }

    func testWriterOutputIsAlignedAndReadBack() throws {
        let url = folder.appendingPathComponent("written.safetensors")
        let values: [Float] = (0..<5).map { Float($0) * 1.5 - 2 }
        try values.withUnsafeBufferPointer {
            try SafetensorsWriter.write([.init(name: "w\"eird/name", shape: [5], values: $0)], metadata: ["format": "pt", "step": "3"], to: url)
        }
        let bytes = try Data(contentsOf: url)
        let headerLength = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        XCTAssertEqual(headerLength % 8, 0, "data section starts 8-byte aligned")
        let reader = try SafetensorsReader(url: url)
        XCTAssertEqual(reader.metadata, ["format": "pt", "step": "3"])
        XCTAssertEqual(try reader.floats("w\"eird/name").values, values)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains(".tmp-") }
        XCTAssertEqual(leftovers, [], "no temporary file is left behind")
    }
}
