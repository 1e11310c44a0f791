/// Makes negatives of one kind for many slots at once, so that the model work of a request is
/// batched. The result for a slot depends on the slot, the global batch and the maker's settings
/// only, not on the other slots of the request.
public protocol NegativeMaker {
    var kind: NegativeKind { get }
    /// One negative per slot, in slot order. `batch` is the global batch in data order, which
    /// `NegativeSlot.example` indexes.
    func make(for slots: [NegativeSlot], in batch: [InstructionExample]) throws -> [Negative]
}
