import XCTest
@testable import CPOKit

/// A model's analytic gradients held to central finite differences of its loss.
enum FiniteDifferences {
    /// Asserts that the gradient at each probe — a parameter's name and an index into it — is
    /// worth checking and within 2e-3 + 2% of (L(θ + h) − L(θ − h)) / 2h, h = 1e-2, where L is
    /// Σ w · nll over a batch of `batchSize` × `length` tokens with one masked position. Unequal
    /// weights exercise the general path that sequence-level objectives use. The model's
    /// gradients must be zero to begin with.
    static func assertGradientsMatch(_ model: any LanguageModel, batchSize: Int, length: Int, probes: [(name: String, index: Int)],
                                     file: StaticString = #filePath, line: UInt = #line) throws {
        let vocabulary = model.config.vocabularySize
        let tokens: [Int32] = (0..<batchSize * length).map { Int32($0 * 7 % vocabulary) }
        var targets: [Int32] = (0..<batchSize * length).map { Int32(($0 * 5 + 3) % vocabulary) }
        targets[0] = -1
        let lossWeights: [Float] = (0..<batchSize * length).map { 0.5 + Float($0 % 3) }
        func loss() throws -> Double {
            try model.forward(tokens: tokens, targets: targets, batchSize: batchSize, length: length)
            return zip(model.nll, lossWeights).reduce(0.0) { $0 + Double($1.0 * $1.1) }
        }
        _ = try loss()
        model.backward(lossWeights: lossWeights)
        for (name, index) in probes {
            let parameter = model.layout.view(name, in: model.parameters)
            let original = parameter[index], step: Float = 1e-2
            parameter[index] = original + step
            let plus = try loss()
            parameter[index] = original - step
            let minus = try loss()
            parameter[index] = original
            let numeric = Float((plus - minus) / Double(2 * step))
            let analytic = model.layout.view(name, in: model.gradients)[index]
            XCTAssertGreaterThan(abs(analytic), 1e-3, "\(name)[\(index)] should have a gradient worth checking", file: file, line: line)
            XCTAssertEqual(analytic, numeric, accuracy: 2e-3 + 2e-2 * abs(numeric), "\(name)[\(index)]", file: file, line: line)
        }
    }
}
