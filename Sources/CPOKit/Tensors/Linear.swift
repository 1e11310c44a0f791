import COpenBLAS

/// How a weight matrix is stored. GPT-2's Conv1D keeps [in, out]; a Linear layer, and an LM head
/// tied to the token embedding, keep [out, in]. sgemm's transpose flags absorb the difference.
public enum WeightLayout: Sendable {
    case inputMajor, outputMajor
}

/// A fully connected layer over `rows` independent rows: out = base + inp · W + bias.
struct Linear {
    let rows: Int
    let inputs: Int
    let outputs: Int
    let layout: WeightLayout

    /// `base` (the residual stream, when the layer's output is added onto it) and `bias` are
    /// written into `out` first, so sgemm adds the product on top in the same pass. A few rows (a
    /// decode step) go to `FewRowsMatrixProduct` instead, which reads W from `panels` when given
    /// (W packed by `FewRowsMatrixProduct.packPanels`).
    func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                 panels: UnsafePointer<Float>? = nil, bias: UnsafePointer<Float>?, base: UnsafePointer<Float>? = nil) {
        if rows <= FewRowsMatrixProduct.maximumRows {
            return FewRowsMatrixProduct(rows: rows, inputs: inputs, outputs: outputs, layout: layout)
                .forward(out: out, inp: inp, weight: weight, panels: panels, bias: bias, base: base)
        }
        let outputs = outputs
        if bias != nil || base != nil {
            Parallel.forEachChunk(rows, workPerItem: outputs) { range in
                for row in range {
                    let o = out + row * outputs
                    switch (base.map { $0 + row * outputs }, bias) {
                    case let (b?, w?): for i in 0..<outputs { o[i] = b[i] + w[i] }
                    case let (b?, nil): o.update(from: b, count: outputs)
                    case let (nil, w?): o.update(from: w, count: outputs)
                    case (nil, nil): break
                    }
                }
            }
        }
        gemm(transposeA: false, transposeB: layout == .outputMajor, m: rows, n: outputs, k: inputs,
             a: inp, lda: inputs, b: weight, ldb: layout == .inputMajor ? outputs : inputs,
             beta: bias != nil || base != nil ? 1 : 0, c: out, ldc: outputs)
    }

    /// Overwrites `dinp` with dout · Wᵀ and adds this batch's weight and bias gradients to
    /// `dweight` and `dbias`.
    func backward(dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>, dbias: UnsafeMutablePointer<Float>?,
                  dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>) {
        switch layout {
        case .inputMajor:
            gemm(transposeA: false, transposeB: true, m: rows, n: inputs, k: outputs,
                 a: dout, lda: outputs, b: weight, ldb: outputs, beta: 0, c: dinp, ldc: inputs)
            gemm(transposeA: true, transposeB: false, m: inputs, n: outputs, k: rows,
                 a: inp, lda: inputs, b: dout, ldb: outputs, beta: 1, c: dweight, ldc: outputs)
        case .outputMajor:
            gemm(transposeA: false, transposeB: false, m: rows, n: inputs, k: outputs,
                 a: dout, lda: outputs, b: weight, ldb: inputs, beta: 0, c: dinp, ldc: inputs)
            gemm(transposeA: true, transposeB: false, m: outputs, n: inputs, k: rows,
                 a: dout, lda: outputs, b: inp, ldb: inputs, beta: 1, c: dweight, ldc: inputs)
        }
        if let dbias { Self.addColumnSums(of: dout, rows: rows, columns: outputs, into: dbias) }
    }

    /// sums[c] += Σ_r m[r, c]. Split by columns, each summed over rows in order, so the result
    /// does not depend on the thread count.
    static func addColumnSums(of m: UnsafePointer<Float>, rows: Int, columns: Int, into sums: UnsafeMutablePointer<Float>) {
        Parallel.forEachChunk(columns, workPerItem: rows) { range in
            for r in 0..<rows {
                let row = m + r * columns
                for c in range { sums[c] += row[c] }
            }
        }
    }

    /// Row-major C = A·B (+ beta·C), with A and B optionally transposed.
    private func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                      a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                      beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
