import XCTest
@testable import CPOKit

final class AdamWTests: XCTestCase {
    func testOneStepMatchesPyTorch() throws {
        let model = try GPT2Fixture.model()
        let settings = try GPT2Fixture.batch().adamw
        // PyTorch's own gradients: where |g| is near eps, the first step's size hangs on the
        // gradient's last bits, so this isolates the optimizer's arithmetic.
        let gradients = try SafetensorsReader(url: GPT2Fixture.file("expected.safetensors"))
        for spec in model.layout.specs {
            try gradients.read("grad." + spec.name, into: model.layout.view(spec.name, in: model.gradients), expectedShape: spec.shape)
        }
        let optimizer = AdamW(layout: model.layout, beta1: settings.beta1, beta2: settings.beta2, epsilon: settings.eps,
                              weightDecay: settings.weight_decay)
        let before = model.parameters.toArray()
        optimizer.update(parameters: model.parameters, gradients: model.gradients, learningRate: settings.lr)
        XCTAssertEqual(optimizer.step, 1)
        let expected = try SafetensorsReader(url: GPT2Fixture.file("after_adamw.safetensors"))
        for spec in model.layout.specs {
            let updated = model.layout.view(spec.name, in: model.parameters)
            XCTAssertLessThan(maxAbsoluteDifference(updated, try expected.floats(spec.name).values), 1e-6, spec.name)
            // The first step moves every parameter with a gradient by about lr, so the check has teeth.
            let moved = zip(updated, before[spec.offset..<spec.offset + spec.count]).map { abs($0 - $1) }.max()!
            XCTAssertGreaterThan(moved, Float(settings.lr) / 2, spec.name)
        }
    }

    func testDecaysOnlyMatricesAndTracksBiasCorrection() {
        let layout = TensorLayout([("matrix", [2, 2]), ("vector", [2])])
        let parameters = FloatBuffer(count: layout.totalCount)
        layout.view("matrix", in: parameters).update(repeating: 1)
        layout.view("vector", in: parameters).update(repeating: 1)
        let gradients = FloatBuffer(count: layout.totalCount)
        let optimizer = AdamW(layout: layout, weightDecay: 0.5)
        optimizer.update(parameters: parameters, gradients: gradients, learningRate: 0.1)
        // Zero gradients: only decoupled weight decay moves anything, and only the matrix.
        XCTAssertEqual(layout.view("matrix", in: parameters).first, 0.95)
        XCTAssertEqual(layout.view("vector", in: parameters).first, 1)

        layout.view("vector", in: gradients).update(repeating: 2)
        for _ in 0..<3 { optimizer.update(parameters: parameters, gradients: gradients, learningRate: 0.1) }
        XCTAssertEqual(optimizer.step, 4)
        // With a constant gradient the bias-corrected step stays lr·g/|g| once the gradient is present;
        // the zero first gradient only shrinks it a little.
        let vector = layout.view("vector", in: parameters).first!
        XCTAssertLessThan(vector, 1 - 0.2)
        XCTAssertGreaterThan(vector, 1 - 0.3)
    }
}
