import XCTest
@testable import CPOKit

/// How far apart two fp32 computations may be that differ only in the order of their sums.
///
/// sgemm promises no summation order. OpenBLAS blocks and splits a product differently for
/// another thread count or matrix shape, and its SkylakeX (AVX-512) and Haswell (AVX2) kernels
/// differ again, so the entries of a product — and everything computed from them — move in their
/// last bits when the threads, the micro-batching or the batch's rows change. Two orders of a sum
/// of n terms differ by at most 2·γₙ·Σ|tᵢ|, γₙ ≈ n·2⁻²⁴ (Higham, *Accuracy and Stability of
/// Numerical Algorithms*, §3.1): for the ≤ 256-term sums of the test models that is ≤ 3·10⁻⁵ of
/// Σ|tᵢ|, and in practice ~√n·2⁻²⁴. Through a few layers such differences compound, so a tensor
/// is held to 10⁻⁴ of its largest entry: the bound the PyTorch reference vectors are held to,
/// whose sums (MKL's) are in another order altogether. A real defect — a dropped term, a
/// micro-batch counted twice or left out, a masked candidate let in — moves a tensor by a sizeable
/// fraction of its scale, orders of magnitude beyond this.
enum SummationOrder {
    static let relativeTolerance: Float = 1e-4

    /// Asserts that `a` and `b` agree to `tolerance` of b's largest entry, tensor by tensor when
    /// `layout` names them.
    static func assertAgree(_ a: [Float], _ b: [Float], layout: TensorLayout? = nil, tolerance: Float = relativeTolerance, _ what: String,
                            file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, "\(what): sizes differ", file: file, line: line)
        guard a.count == b.count else { return }
        let pieces = layout?.specs.map { ($0.name, $0.offset ..< $0.offset + $0.count) } ?? [("", 0 ..< a.count)]
        for (name, range) in pieces {
            let scale = b[range].map(abs).max() ?? 0
            let difference = maxAbsoluteDifference(a[range], b[range])
            XCTAssertLessThanOrEqual(difference, tolerance * scale,
                                     "\(what) \(name): differs by \(difference), scale \(scale)", file: file, line: line)
        }
    }
}
