/// A model's weight matrices copied into `FewRowsMatrixProduct`'s panel layout for decode steps:
/// the matrices of every block, by part, and the LM head. A decode step reads every weight once; a
/// panel streamed as one run comes from memory faster than W's 16-float pieces of rows thousands
/// of floats apart (the 16-row block products of GPT-2 124M on one thread: 70 against 55 GFLOP/s).
///
/// A copy: it holds the weights as they were when it was made, so it lives as long as one
/// generation, during which the weights do not change; the next generation can pack into its memory.
final class PanelWeights<Part: Hashable> {
    /// A weight matrix as the model stores it.
    struct Matrix {
        let weight: UnsafePointer<Float>
        let layout: WeightLayout
        let inputs: Int
        let outputs: Int
    }

    struct Block {
        let panels: [Part: UnsafePointer<Float>]
        subscript(part: Part) -> UnsafePointer<Float> { panels[part]! }
    }

    private let buffer: FloatBuffer
    let blocks: [Block]
    let head: UnsafePointer<Float>

    /// Packs each block's matrices, in order, then the head; into `previous`'s memory when it has
    /// exactly the room (a copy of a model with the same config, not used again).
    init(blocks matrices: [[(part: Part, matrix: Matrix)]], head: Matrix, reusing previous: PanelWeights? = nil) {
        func count(_ m: Matrix) -> Int { FewRowsMatrixProduct.packedCount(inputs: m.inputs, outputs: m.outputs) }
        let total = matrices.joined().reduce(count(head)) { $0 + count($1.matrix) }
        let buffer = previous.flatMap { $0.buffer.count == total ? $0.buffer : nil } ?? FloatBuffer(count: total)
        var next = buffer.pointer
        func pack(_ m: Matrix) -> UnsafePointer<Float> {
            FewRowsMatrixProduct.packPanels(m.weight, layout: m.layout, inputs: m.inputs, outputs: m.outputs, into: next)
            defer { next += count(m) }
            return UnsafePointer(next)
        }
        blocks = matrices.map { block in Block(panels: Dictionary(uniqueKeysWithValues: block.map { ($0.part, pack($0.matrix)) })) }
        self.head = pack(head)
        self.buffer = buffer
    }
}
