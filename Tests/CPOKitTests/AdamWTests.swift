import XCTest
@testable import CPOKit

final class AdamWTests: XCTestCase {
    /// The fixture model with PyTorch's own gradients in its gradient buffer (where |g| is near eps,
    /// the first step's size hangs on the gradient's last bits, so this isolates the optimizer's
    /// arithmetic), and an AdamW of the fixture's settings over `range` (nil: all of it).
    private func fixture() throws -> (model: GPT2, settings: GPT2Fixture.Batch.AdamWSettings, optimizer: (Range<Int>?) -> AdamW) {
        let model = try GPT2Fixture.model()
        let settings = try GPT2Fixture.batch().adamw
        let gradients = try SafetensorsReader(url: GPT2Fixture.file("expected.safetensors"))
        for spec in model.layout.specs {
            try gradients.read("grad." + spec.name, into: model.layout.view(spec.name, in: model.gradients), expectedShape: spec.shape)
        }
        return (model, settings, { range in
            AdamW(layout: model.layout, range: range, beta1: settings.beta1, beta2: settings.beta2, epsilon: settings.eps,
                  weightDecay: settings.weight_decay)
        })
    }

    func testOneStepMatchesPyTorch() throws {
        let (model, settings, makeOptimizer) = try fixture()
        let optimizer = makeOptimizer(nil)
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

    /// ZeRO: optimizers that each update one shard of the flat buffer (cut at any point of a
    /// tensor) leave the parameters and moments bit for bit as one optimizer over all of it does.
    func testShardsUpdateAsTheWholeBufferDoes() throws {
        let (model, settings, optimizer) = try fixture()
        let start = model.parameters.toArray()
        let whole = optimizer(nil), parameters = FloatBuffer(start)
        for _ in 0 ..< 3 { whole.update(parameters: parameters, gradients: model.gradients, learningRate: settings.lr) }
        for ranks in [2, 3, 7] {
            let shards = RankShards(count: model.layout.totalCount, ranks: ranks)
            let sharded = FloatBuffer(start)
            for range in shards.ranges {
                let part = optimizer(range)
                for _ in 0 ..< 3 { part.update(parameters: sharded, gradients: model.gradients, learningRate: settings.lr) }
                XCTAssertEqual(part.m.toArray().map(\.bitPattern), whole.m.toArray()[range].map(\.bitPattern), "first moment of \(range)")
                XCTAssertEqual(part.v.toArray().map(\.bitPattern), whole.v.toArray()[range].map(\.bitPattern), "second moment of \(range)")
            }
            XCTAssertEqual(sharded.toArray().map(\.bitPattern), parameters.toArray().map(\.bitPattern), "\(ranks) shards")
        }
        XCTAssertNotEqual(parameters.toArray(), start)
    }
}
