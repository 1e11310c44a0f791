import XCTest
@testable import CPOKit

/// The few-row matrix products that run a decode step's projections and LM head.
final class GeneratorDecodeProductTests: XCTestCase {
    private func values(_ count: Int, seed: Int) -> [Float] {
        var random = CounterRandom(seed: 42, domain: .initialization, example: seed)
        return (0..<count).map { _ in random.nextUniform() * 2 - 1 }
    }

    /// out = base + inp · W in double precision, W in either layout.
    private func reference(_ inp: [Float], _ weight: [Float], base: [Float]?, rows: Int, inputs: Int, outputs: Int,
                           layout: WeightLayout) -> [Float] {
        (0..<rows * outputs).map { index in
            let r = index / outputs, o = index % outputs
            var sum = Double(base?[index] ?? 0)
            for k in 0..<inputs {
                let w = layout == .inputMajor ? weight[k * outputs + o] : weight[o * inputs + k]
                sum += Double(inp[r * inputs + k]) * Double(w)
            }
            return Float(sum)
        }
    }

    private func product(_ inp: [Float], _ weight: [Float], bias: [Float]? = nil, base: [Float]?, rows: Int, inputs: Int, outputs: Int,
                         layout: WeightLayout) -> [Float] {
        var out = [Float](repeating: .nan, count: rows * outputs)
        FewRowsMatrixProduct(rows: rows, inputs: inputs, outputs: outputs, layout: layout)
            .forward(out: &out, inp: inp, weight: weight, bias: bias, base: base)
        return out
    }

    func testProductsMatchDoublePrecisionForRaggedShapes() {
        // Row counts around the tile heights (2, 6), widths around the 16-column panel and 4-row
        // weight tile, input lengths that are not multiples of 8, and the 256-input block.
        let shapes = [(1, 8, 16), (5, 13, 17), (7, 300, 35), (16, 40, 48), (32, 259, 31), (3, 1, 5)]
        for (rows, inputs, outputs) in shapes {
            let inp = values(rows * inputs, seed: 1), weight = values(inputs * outputs, seed: 2)
            let base = values(rows * outputs, seed: 3), bias = values(outputs, seed: 4)
            for layout in [WeightLayout.inputMajor, .outputMajor] {
                for (base, bias) in [(nil, nil), (base, nil), (nil, bias), (base, bias)] as [([Float]?, [Float]?)] {
                    let got = product(inp, weight, bias: bias, base: base, rows: rows, inputs: inputs, outputs: outputs, layout: layout)
                    let start = (0..<rows * outputs).map { (base?[$0] ?? 0) + (bias?[$0 % outputs] ?? 0) }
                    let want = reference(inp, weight, base: start, rows: rows, inputs: inputs, outputs: outputs, layout: layout)
                    XCTAssertLessThan(maxAbsoluteDifference(got, want), 1e-5 * Float(inputs).squareRoot(),
                                      "\(rows)×\(inputs)→\(outputs) \(layout), base \(base != nil), bias \(bias != nil)")
                }
            }
        }
    }

    /// A decoder reads W packed in panels: the products must be bit for bit those from W itself,
    /// for every tile height (1–6 rows, split near-evenly above 6), a partial last panel, and inputs
    /// past the 256-row block the strided path uses.
    func testPackedPanelsGiveTheSameBitsAsTheWeightItself() {
        for (rows, inputs, outputs) in [(1, 300, 40), (2, 19, 16), (3, 8, 33), (4, 260, 64), (5, 31, 17), (6, 64, 48),
                                         (7, 9, 16), (13, 257, 50), (16, 40, 48), (64, 12, 20)] {
            let inp = values(rows * inputs, seed: 9), weight = values(inputs * outputs, seed: 10)
            let base = values(rows * outputs, seed: 11), bias = values(outputs, seed: 12)
            var packed = [Float](repeating: .nan, count: FewRowsMatrixProduct.packedCount(inputs: inputs, outputs: outputs))
            FewRowsMatrixProduct.packPanels(weight, layout: .inputMajor, inputs: inputs, outputs: outputs, into: &packed)
            let product = FewRowsMatrixProduct(rows: rows, inputs: inputs, outputs: outputs, layout: .inputMajor)
            var strided = [Float](repeating: .nan, count: rows * outputs), fromPanels = strided
            product.forward(out: &strided, inp: inp, weight: weight, bias: bias, base: base)
            product.forward(out: &fromPanels, inp: inp, weight: weight, panels: packed, bias: bias, base: base)
            XCTAssertEqual(fromPanels.map(\.bitPattern), strided.map(\.bitPattern), "\(rows)×\(inputs)→\(outputs)")
            let want = reference(inp, weight, base: (0..<rows * outputs).map { base[$0] + bias[$0 % outputs] }, rows: rows,
                                 inputs: inputs, outputs: outputs, layout: .inputMajor)
            XCTAssertLessThan(maxAbsoluteDifference(fromPanels, want), 1e-5 * Float(inputs).squareRoot(), "\(rows)×\(inputs)→\(outputs)")
        }
    }

    func testRowResultsDoNotDependOnTheOtherRowsOrTheThreadCount() {
        let rows = 11, inputs = 70, outputs = 530 // enough work to split over threads
        let inp = values(rows * inputs, seed: 4), weight = values(inputs * outputs, seed: 5)
        let threads = Parallel.threadCount
        defer { Parallel.setThreadCount(threads) }
        for layout in [WeightLayout.inputMajor, .outputMajor] {
            Parallel.setThreadCount(1)
            let single = product(inp, weight, base: nil, rows: rows, inputs: inputs, outputs: outputs, layout: layout)
            Parallel.setThreadCount(3)
            XCTAssertEqual(product(inp, weight, base: nil, rows: rows, inputs: inputs, outputs: outputs, layout: layout), single)
            for row in [0, 5, 10] {
                let alone = product(Array(inp[row * inputs ..< (row + 1) * inputs]), weight, base: nil, rows: 1, inputs: inputs,
                                    outputs: outputs, layout: layout)
                XCTAssertEqual(alone, Array(single[row * outputs ..< (row + 1) * outputs]), "row \(row), \(layout)")
            }
        }
    }

    func testLinearAgreesOnBothSidesOfTheFewRowsThreshold() {
        let inputs = 24, outputs = 40
        let weight = values(inputs * outputs, seed: 6), bias = values(outputs, seed: 7)
        for rows in [FewRowsMatrixProduct.maximumRows, FewRowsMatrixProduct.maximumRows + 1] {
            let inp = values(rows * inputs, seed: 8)
            var out = [Float](repeating: 0, count: rows * outputs)
            Linear(rows: rows, inputs: inputs, outputs: outputs, layout: .inputMajor).forward(out: &out, inp: inp, weight: weight, bias: bias)
            let want = reference(inp, weight, base: (0..<rows * outputs).map { bias[$0 % outputs] }, rows: rows, inputs: inputs,
                                 outputs: outputs, layout: .inputMajor)
            XCTAssertLessThan(maxAbsoluteDifference(out, want), 1e-5, "\(rows) rows")
        }
    }
}
