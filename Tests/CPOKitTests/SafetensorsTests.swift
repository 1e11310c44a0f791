import XCTest
@testable import CPOKit

final class SafetensorsTests: XCTestCase {
    func testRoundTripF32() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("a.safetensors")
        let a: [Float] = [1, 2, 3, 4, 5, 6]
        let b: [Float] = [-0.5]
        try a.withUnsafeBufferPointer { pa in
            try b.withUnsafeBufferPointer { pb in
                try SafetensorsWriter.write([.init(name: "a", shape: [2, 3], values: pa), .init(name: "b", shape: [], values: pb)], to: url)
            }
        }
        let reader = try SafetensorsReader(url: url)
        XCTAssertEqual(reader.metadata["format"], "pt")
        XCTAssertEqual(try reader.floats("a").values, a)
        XCTAssertEqual(try reader.floats("a").shape, [2, 3])
        XCTAssertEqual(try reader.floats("b").values, b)
    }
}
