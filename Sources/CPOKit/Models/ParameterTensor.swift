import Foundation

/// One parameter tensor as a model family declares it: its Hugging Face name, shape and how a
/// fresh model starts it out.
struct ParameterTensor {
    enum Initialization: Equatable { case normal(standardDeviation: Double), ones, zeros }

    let name: String
    let shape: [Int]
    let initialization: Initialization
    /// False for a tensor that starts where the previous one ends (see `TensorLayout.append`).
    var aligned = true

    static func layout(_ tensors: [ParameterTensor]) -> TensorLayout {
        var layout = TensorLayout()
        for tensor in tensors { layout.append(tensor.name, tensor.shape, aligned: tensor.aligned) }
        return layout
    }

    /// Fills `buffer` (which follows `layout`) with fresh values of `tensors`, the same for the
    /// same seed whatever the thread count: tensor i's normal draws come from counter-based
    /// streams keyed by (seed, i, row).
    static func initialize(_ tensors: [ParameterTensor], layout: TensorLayout, in buffer: FloatBuffer, seed: UInt64) {
        for (index, tensor) in tensors.enumerated() {
            let values = layout.view(tensor.name, in: buffer)
            switch tensor.initialization {
            case .ones: values.update(repeating: 1)
            case .zeros: values.update(repeating: 0)
            case let .normal(standardDeviation):
                fillNormal(values, columns: tensor.shape.last!, standardDeviation: standardDeviation, seed: seed, tensorIndex: index)
            }
        }
    }

    /// Each row draws from its own counter-based stream, so rows fill in parallel reproducibly.
    private static func fillNormal(_ values: UnsafeMutableBufferPointer<Float>, columns: Int, standardDeviation: Double,
                                   seed: UInt64, tensorIndex: Int) {
        let rows = values.count / columns
        Parallel.forEachChunk(rows, workPerItem: columns) { range in
            for row in range {
                var random = CounterRandom(seed: seed, domain: .initialization, example: tensorIndex, position: row)
                var column = 0
                while column < columns {
                    // Box–Muller: two independent normals from two uniforms.
                    let radius = (-2 * Foundation.log(1 - random.nextUniformDouble())).squareRoot() * standardDeviation
                    let angle = 2 * Double.pi * random.nextUniformDouble()
                    values[row * columns + column] = Float(radius * cos(angle))
                    if column + 1 < columns { values[row * columns + column + 1] = Float(radius * sin(angle)) }
                    column += 2
                }
            }
        }
    }
}
