import Foundation
import XCTest
@testable import CPOKit

final class KernelTests: XCTestCase {
    func testVectorExpAndTanhAgreeWithLibm() {
        var worstExp: Float = 0, worstTanh: Float = 0
        for i in 0..<4000 {
            let x = -90 + Float(i) * 0.0445 // covers −90…88, past both ends of exp's range
            let lane = i % 16
            var input = VectorMath.Vector(repeating: 0)
            input[lane] = x
            let exact = Foundation.exp(Double(x))
            if exact > 1e-37 {
                worstExp = max(worstExp, Float(abs(Double(VectorMath.exp(input)[lane]) - exact) / exact))
            } else {
                XCTAssertLessThan(VectorMath.exp(input)[lane], 1e-37)
            }
            let t = x / 10
            input[lane] = t
            worstTanh = max(worstTanh, Float(abs(Double(VectorMath.tanh(input)[lane]) - Foundation.tanh(Double(t)))))
        }
        XCTAssertLessThan(worstExp, 3e-7)
        XCTAssertLessThan(worstTanh, 3e-7)
        XCTAssertEqual(VectorMath.exp(VectorMath.Vector(repeating: -.infinity)), VectorMath.Vector(repeating: 0))
    }

    func testGELUForwardAndBackwardOnARaggedLength() {
        let count = 37 // not a multiple of the vector width
        let x = (0..<count).map { Float($0 - 18) / 4 }
        let dy = (0..<count).map { 1 + Float($0 % 5) / 10 }
        let out = FloatBuffer(count: count), dx = FloatBuffer(count: count)
        let gelu = GELU(count: count)
        x.withUnsafeBufferPointer { xp in
            gelu.forward(out: out.pointer, inp: xp.baseAddress!)
            dy.withUnsafeBufferPointer { gelu.backward(dinp: dx.pointer, dout: $0.baseAddress!, inp: xp.baseAddress!) }
        }
        func reference(_ x: Double) -> Double { 0.5 * x * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x))) }
        for i in 0..<count {
            let v = Double(x[i])
            XCTAssertEqual(Double(out[i]), reference(v), accuracy: 1e-6)
            let slope = (reference(v + 1e-5) - reference(v - 1e-5)) / 2e-5
            XCTAssertEqual(Double(dx[i]), Double(dy[i]) * slope, accuracy: 1e-5)
        }
    }

    func testSoftmaxCrossEntropyAgainstDoublePrecision() {
        let rows = 3, classes = 21
        let logits = FloatBuffer((0..<rows * classes).map { Float(($0 * 37) % 23) / 3 - 2 })
        let original = logits.toArray()
        let targets: [Int32] = [4, -1, 20]
        let weights: [Float] = [0.5, 7, 2]
        let nll = FloatBuffer(count: rows), lse = FloatBuffer(count: rows)
        let kernel = SoftmaxCrossEntropy(rows: rows, classes: classes)
        targets.withUnsafeBufferPointer { t in
            kernel.forward(nll: nll.pointer, logSumExp: lse.pointer, logits: logits.pointer, targets: t.baseAddress!)
            weights.withUnsafeBufferPointer { kernel.backward(logits: logits.pointer, logSumExp: lse.pointer, targets: t.baseAddress!, weights: $0.baseAddress!) }
        }
        for r in 0..<rows {
            let row = original[r * classes..<(r + 1) * classes].map(Double.init)
            let logSumExp = Foundation.log(row.reduce(0) { $0 + Foundation.exp($1) })
            let target = Int(targets[r])
            XCTAssertEqual(Double(nll[r]), target < 0 ? 0 : logSumExp - row[target], accuracy: 1e-5)
            for c in 0..<classes {
                let expected = target < 0 ? 0 : Double(weights[r]) * (Foundation.exp(row[c] - logSumExp) - (c == target ? 1 : 0))
                XCTAssertEqual(Double(logits[r * classes + c]), expected, accuracy: 1e-6)
            }
        }
    }
}
