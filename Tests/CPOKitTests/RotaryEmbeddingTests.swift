import Foundation
import XCTest
@testable import CPOKit

final class RotaryEmbeddingTests: XCTestCase {
    private struct Case: Decodable {
        let head_dim: Int
        let rope_parameters: [String: JSONValue]
        let inv_freq: [Double]
        let positions: [Int]
        let cos: [[Double]]
        let sin: [[Double]]
    }

    /// transformers' LlamaRotaryEmbedding for the presets' shapes (Fixtures/rope/inv_freq.json).
    private func cases() throws -> [String: Case] {
        let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("rope/inv_freq.json")
        return try JSONDecoder().decode([String: Case].self, from: Data(contentsOf: url))
    }

    private func scaling(_ parameters: [String: JSONValue]) throws -> (theta: Double, scaling: RoPEScaling) {
        // Through the config reader, as a config.json would carry them.
        let rope = String(decoding: try JSONEncoder().encode(parameters), as: UTF8.self)
        let json = #"{"model_type": "llama", "vocab_size": 8, "hidden_size": 64, "intermediate_size": 8, "num_hidden_layers": 1, "num_attention_heads": 1, "max_position_embeddings": 2048, "rope_parameters": \#(rope)}"#
        let config = try LlamaConfig(configJSON: Data(json.utf8), file: nil)
        return (config.ropeTheta, config.ropeScaling)
    }

    /// Inverse frequencies to 1 ulp of transformers' fp32 ones (its fp32 pow may round the other
    /// way), and cos/sin tables within 1e-6: the angle p·θ_i is fp32 in both.
    func testFrequenciesAndTablesMatchTransformers() throws {
        for (name, reference) in try cases() {
            let (theta, scaling) = try scaling(reference.rope_parameters)
            let frequencies = RotaryEmbedding.inverseFrequencies(headSize: reference.head_dim, base: theta, scaling: scaling)
            XCTAssertEqual(frequencies.count, reference.inv_freq.count, name)
            for (mine, theirs) in zip(frequencies, reference.inv_freq.map { Float($0) }) {
                XCTAssertLessThanOrEqual(abs(mine - theirs), theirs.ulp, "\(name): \(mine) against \(theirs)")
            }
            let half = reference.head_dim / 2
            let table = RotaryEmbedding.table(inverseFrequencies: frequencies, positions: 2048)
            for (k, p) in reference.positions.enumerated() {
                for i in 0..<half {
                    XCTAssertEqual(table[p * 2 * half + i], Float(reference.cos[k][i]), accuracy: 1e-6, "\(name) cos p=\(p) i=\(i)")
                    XCTAssertEqual(table[p * 2 * half + half + i], Float(reference.sin[k][i]), accuracy: 1e-6, "\(name) sin p=\(p) i=\(i)")
                }
            }
        }
        XCTAssertEqual(try cases().count, 4)
    }

    /// llama3 scaling keeps short wavelengths, divides long ones by the factor, and ramps between.
    func testLlama3BandsAsSpecified() {
        let plain = RotaryEmbedding.inverseFrequencies(headSize: 64, base: 5e5, scaling: .none)
        let scaled = RotaryEmbedding.inverseFrequencies(headSize: 64, base: 5e5, scaling:
            .llama3(factor: 32, lowFrequencyFactor: 1, highFrequencyFactor: 4, originalMaxPositions: 8192))
        for (p, s) in zip(plain, scaled) {
            let wavelength = 2 * Double.pi / Double(p)
            if wavelength < 2048 { XCTAssertEqual(s, p) }
            else if wavelength > 8192 { XCTAssertEqual(s, p / 32, accuracy: p / 32 * 1e-6) }
            else { XCTAssertTrue(s < p && s > p / 32) }
        }
        XCTAssertTrue(zip(plain, scaled).contains { 2 * Double.pi / Double($0.0) < 2048 })
        XCTAssertTrue(zip(plain, scaled).contains { 2 * Double.pi / Double($0.0) > 8192 })
    }

    /// The rotation against a double-precision one; backward undoes forward (a rotation's transpose
    /// is its inverse); q·k after rotation depends on the positions' difference only.
    func testRotationAgainstDoublePrecisionAndItsInverse() {
        let d = 20, heads = 3, stride = 70, positions = [0, 5, 9, 33]
        let frequencies = RotaryEmbedding.inverseFrequencies(headSize: d, base: 10000, scaling: .none)
        let table = RotaryEmbedding.table(inverseFrequencies: frequencies, positions: 64)
        let original = (0..<positions.count * stride).map { Float(sin(Double($0) * 0.37)) }
        let x = FloatBuffer(original)
        let kernel = RotaryEmbedding(rows: positions.count, heads: heads, headSize: d, rowStride: stride)
        kernel.forward(x.pointer, table: table.pointer, position: { positions[$0] })
        for (row, p) in positions.enumerated() {
            for c in 0..<stride {
                let index = row * stride + c
                guard c < heads * d else { XCTAssertEqual(x[index], original[index], "past the rotated heads"); continue }
                let i = c % d % (d / 2), low = c % d < d / 2, angle = Double(p) * Double(frequencies[i])
                let partner = Double(original[low ? index + d / 2 : index - d / 2])
                let expected = Double(original[index]) * cos(angle) + (low ? -partner : partner) * sin(angle)
                XCTAssertEqual(Double(x[index]), expected, accuracy: 2e-6)
            }
        }
        kernel.backward(x.pointer, table: table.pointer, position: { positions[$0] })
        XCTAssertLessThan(maxAbsoluteDifference(x.toArray(), original), 1e-6)

        func rotatedDot(_ p: Int, _ q: Int) -> Float {
            let a = FloatBuffer(Array(original[0..<d])), b = FloatBuffer(Array(original[d..<2 * d]))
            let one = RotaryEmbedding(rows: 1, heads: 1, headSize: d, rowStride: d)
            one.forward(a.pointer, table: table.pointer, position: { _ in p })
            one.forward(b.pointer, table: table.pointer, position: { _ in q })
            return VectorMath.dot(a.pointer, b.pointer, d)
        }
        XCTAssertEqual(rotatedDot(3, 10), rotatedDot(20, 27), accuracy: 1e-5)
        XCTAssertNotEqual(rotatedDot(3, 10), rotatedDot(3, 11), accuracy: 1e-3)
    }
}
