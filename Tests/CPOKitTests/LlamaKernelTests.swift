import Foundation
import XCTest
@testable import CPOKit

/// The kernels the Llama family adds or generalises, against double-precision references.
final class LlamaKernelTests: XCTestCase {
    private func values(_ count: Int, seed: Int, scale: Float = 1) -> [Float] {
        var random = CounterRandom(seed: 9, domain: .initialization, example: seed)
        return (0..<count).map { _ in (random.nextUniform() * 2 - 1) * scale }
    }

    func testRMSNormForwardAndBackward() {
        let rows = 3, channels = 37, epsilon: Float = 1e-5
        let x = values(rows * channels, seed: 1, scale: 2), weight = values(channels, seed: 2), dy = values(rows * channels, seed: 3)
        let out = FloatBuffer(count: rows * channels), rstd = FloatBuffer(count: rows)
        let dx = FloatBuffer([Float](repeating: 0.5, count: rows * channels)), dweight = FloatBuffer([Float](repeating: 0.25, count: channels))
        let norm = RMSNorm(rows: rows, channels: channels, epsilon: epsilon)
        norm.forward(out: out.pointer, rstd: rstd.pointer, inp: x, weight: weight)
        norm.backward(dinp: dx.pointer, dweight: dweight.pointer, dout: dy, inp: x, rstd: rstd.pointer, weight: weight)
        func forward(_ x: [Double], _ w: [Double], row: Int) -> [Double] {
            let r = 1 / ((0..<channels).reduce(0.0) { $0 + x[row * channels + $1] * x[row * channels + $1] } / Double(channels) + Double(epsilon)).squareRoot()
            return (0..<channels).map { w[$0] * x[row * channels + $0] * r }
        }
        let xd = x.map(Double.init), wd = weight.map(Double.init)
        var expectedDWeight = [Double](repeating: 0.25, count: channels)
        for row in 0..<rows {
            let y = forward(xd, wd, row: row)
            for c in 0..<channels { XCTAssertEqual(Double(out[row * channels + c]), y[c], accuracy: 1e-5) }
            // ∂(dy · y)/∂x and ∂/∂w by central differences.
            func loss(_ x: [Double], _ w: [Double]) -> Double { zip(forward(x, w, row: row), dy[row * channels ..< (row + 1) * channels]).reduce(0) { $0 + $1.0 * Double($1.1) } }
            for c in 0..<channels {
                var plus = xd, minus = xd
                plus[row * channels + c] += 1e-6
                minus[row * channels + c] -= 1e-6
                XCTAssertEqual(Double(dx[row * channels + c]), 0.5 + (loss(plus, wd) - loss(minus, wd)) / 2e-6, accuracy: 1e-4)
                var wPlus = wd, wMinus = wd
                wPlus[c] += 1e-6
                wMinus[c] -= 1e-6
                expectedDWeight[c] += (loss(xd, wPlus) - loss(xd, wMinus)) / 2e-6
            }
        }
        for c in 0..<channels { XCTAssertEqual(Double(dweight[c]), expectedDWeight[c], accuracy: 1e-4) }
    }

    func testSwiGLUForwardAndBackwardOnARaggedWidth() {
        let rows = 2, width = 37
        var inp = values(rows * 2 * width, seed: 4, scale: 6)
        inp[0] = -200 // e^200 would overflow fp32: the result must stay finite and near 0
        let dy = values(rows * width, seed: 5)
        let out = FloatBuffer(count: rows * width), dinp = FloatBuffer(count: rows * 2 * width)
        let kernel = SwiGLU(rows: rows, width: width)
        kernel.forward(out: out.pointer, inp: inp)
        kernel.backward(dinp: dinp.pointer, dout: dy, inp: inp)
        func silu(_ g: Double) -> Double { g / (1 + exp(-g)) }
        for row in 0..<rows {
            for c in 0..<width {
                let g = Double(inp[row * 2 * width + c]), u = Double(inp[row * 2 * width + width + c]), d = Double(dy[row * width + c])
                XCTAssertEqual(Double(out[row * width + c]), silu(g) * u, accuracy: 1e-5)
                let slope = (silu(g + 1e-6) - silu(g - 1e-6)) / 2e-6
                XCTAssertEqual(Double(dinp[row * 2 * width + c]), d * u * slope, accuracy: 1e-5)
                XCTAssertEqual(Double(dinp[row * 2 * width + width + c]), d * silu(g), accuracy: 1e-5)
            }
        }
        XCTAssertTrue(out.toArray().allSatisfy(\.isFinite) && dinp.toArray().allSatisfy(\.isFinite))
    }

    /// Grouped-query attention with a window against a double-precision reference, and the cached
    /// kernel against the training one, token by token.
    func testGroupedWindowedAttentionAndItsCachedForm() {
        let (batchSize, length, heads, keyValueHeads, d, window) = (2, 11, 6, 2, 12, 4)
        let width = (heads + 2 * keyValueHeads) * d
        let qkv = values(batchSize * length * width, seed: 6, scale: 2)
        let attention = CausalAttention(batchSize: batchSize, length: length, heads: heads, keyValueHeads: keyValueHeads, headSize: d, window: window)
        let out = FloatBuffer(count: batchSize * length * heads * d), logSumExp = FloatBuffer(count: batchSize * heads * length)
        attention.forward(out: out.pointer, logSumExp: logSumExp.pointer, qkv: qkv)
        for b in 0..<batchSize {
            for t in 0..<length {
                for h in 0..<heads {
                    let kv = h / (heads / keyValueHeads), row = { (t: Int) in (b * length + t) * width }
                    let keys = max(0, t - window + 1)...t
                    let scores = keys.map { j in
                        (0..<d).reduce(0.0) { $0 + Double(qkv[row(t) + h * d + $1]) * Double(qkv[row(j) + (heads + kv) * d + $1]) } / Double(d).squareRoot()
                    }
                    let top = scores.max()!, total = scores.reduce(0) { $0 + exp($1 - top) }
                    for c in 0..<d {
                        let expected = zip(keys, scores).reduce(0.0) { $0 + exp($1.1 - top) / total * Double(qkv[row($1.0) + (heads + keyValueHeads + kv) * d + c]) }
                        XCTAssertEqual(Double(out[(b * length + t) * heads * d + h * d + c]), expected, accuracy: 1e-5)
                    }
                }
            }
        }
        let cached = CachedAttention(heads: heads, keyValueHeads: keyValueHeads, headSize: d, capacity: length, window: window)
        let keys = FloatBuffer(count: batchSize * length * keyValueHeads * d), cachedValues = FloatBuffer(count: batchSize * length * keyValueHeads * d)
        let cachedOut = FloatBuffer(count: heads * d)
        for t in 0..<length {
            for b in 0..<batchSize {
                var row = b, position = t
                qkv.withUnsafeBufferPointer { qkv in
                    cached.forward(out: cachedOut.pointer, qkv: qkv.baseAddress! + (b * length + t) * width, count: 1, rows: &row,
                                   positions: &position, keys: keys.pointer, values: cachedValues.pointer)
                }
                let trained = out.toArray()[(b * length + t) * heads * d ..< (b * length + t + 1) * heads * d]
                XCTAssertLessThan(maxAbsoluteDifference(cachedOut.toArray(), trained), 1e-5)
            }
        }
    }
}
