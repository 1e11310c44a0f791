/// What a training pass keeps of each block for the backward pass.
public enum ActivationRecomputation: String, Sendable, CaseIterable {
    /// Every block's activations, as the backward pass reads them.
    case none
    /// Each block's output only, and one block's activations for all layers: the backward pass runs
    /// each block's forward again from its input first. The same kernels on the same numbers in the
    /// same order, so the gradients are bit-identical to `none`, for about one more forward pass of
    /// the blocks. A model that only runs forward passes (a frozen reference, a judge) loses nothing.
    case blocks
}

extension ActivationRecomputation {
    /// A family's block activations for `layers` layers: one `make()` per layer, or with `.blocks`
    /// one shared by every layer, each layer's copy given its own output by `withOwnOutput`.
    func blockActivations<Block>(layers: Int, make: () -> Block, withOwnOutput: (Block) -> Block) -> [Block] {
        switch self {
        case .none: return (0..<layers).map { _ in make() }
        case .blocks:
            let shared = make()
            return (0..<layers).map { _ in withOwnOutput(shared) }
        }
    }
}
