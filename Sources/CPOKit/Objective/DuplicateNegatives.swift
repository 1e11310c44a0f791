/// DESIGN §2: a negative identical to the ground truth is no negative. Where a task has one right
/// answer, a decent model's samples often are the ground truth; left in the softmax they would pull
/// its likelihood down as hard as the contrast pushes it up.
public enum DuplicateNegatives {
    /// Per candidate (ground truth first), whether it takes part in the loss: the ground truth
    /// always, a negative when its tokens differ from the ground truth's.
    public static func includedMask(candidates: [[Int32]]) -> [Bool] {
        guard let groundTruth = candidates.first else { return [] }
        return candidates.indices.map { $0 == 0 || candidates[$0] != groundTruth }
    }
}
