/// out = (out or 0) + inp · W for a few rows of `inp`, as in a decode step (one token per sequence).
///
/// With few rows a product is bound by reading W: each weight is used `rows` times, and sgemm
/// first copies W into packed panels, which costs about as much again. These kernels read W once,
/// straight from its storage, into register tiles.
///
/// Every output element is one fixed sequence of fused multiply-adds over k = 0..<inputs (the
/// outputMajor tile keeps 8 lane sums and adds them at the end), so a row's result depends on that
/// row and W only: not on the thread count, nor on which other rows share the call.
struct FewRowsMatrixProduct {
    typealias Vector = SIMD8<Float>
    let rows: Int
    let inputs: Int
    let outputs: Int
    let layout: WeightLayout

    /// Above this many rows sgemm's packing pays for itself.
    static let maximumRows = 32

    /// Rows per register tile: 6 rows × 16 columns (inputMajor) or 4 rows × 3 weight rows
    /// (outputMajor) keep 12 accumulators in the 16 AVX registers. Tiles past the last row repeat
    /// it and are not stored.
    private static let rowsPerInputMajorTile = 6, columnsPerPanel = 16
    private static let rowsPerOutputMajorTile = 4, weightRowsPerTile = 3
    /// Weight rows per block of the inputMajor kernel: the block's 16-column panel (16 KB) stays
    /// in L1 while every row tile uses it.
    private static let inputBlock = 256

    func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, accumulate: Bool) {
        switch layout {
        case .inputMajor: inputMajor(out: out, inp: inp, weight: weight, accumulate: accumulate)
        case .outputMajor: outputMajor(out: out, inp: inp, weight: weight, accumulate: accumulate)
        }
    }

    /// W is [inputs, outputs]: each thread takes a range of 16-column panels and, block of weight
    /// rows by block, runs every row tile down each panel, broadcasting inp[m, k] against W[k, panel].
    private func inputMajor(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, accumulate: Bool) {
        let rows = rows, inputs = inputs, outputs = outputs
        let panelWidth = Self.columnsPerPanel, tileRows = Self.rowsPerInputMajorTile
        let panels = (outputs + panelWidth - 1) / panelWidth
        Parallel.forEachChunk(panels, workPerItem: rows * inputs * panelWidth) { panelRange in
            for blockStart in stride(from: 0, to: inputs, by: Self.inputBlock) {
                let block = blockStart ..< min(blockStart + Self.inputBlock, inputs)
                let startsAtZero = blockStart == 0 && !accumulate
                for panel in panelRange {
                    let column = panel * panelWidth
                    let width = min(panelWidth, outputs - column)
                    for firstRow in stride(from: 0, to: rows, by: tileRows) {
                        let tile = Tile(out: out + firstRow * outputs + column, stride: outputs, rows: min(tileRows, rows - firstRow),
                                        columns: width, startsAtZero: startsAtZero)
                        let x = inp + firstRow * inputs
                        if width == panelWidth {
                            tile.run(x: x, inputs: inputs, block: block, weight: weight + column, weightStride: outputs) {
                                (UnsafeRawPointer($0).loadUnaligned(as: Vector.self), UnsafeRawPointer($0 + 8).loadUnaligned(as: Vector.self))
                            }
                        } else {
                            tile.run(x: x, inputs: inputs, block: block, weight: weight + column, weightStride: outputs) {
                                let v = VectorMath.load($0, lanes: width, fill: 0)
                                return (v.lowHalf, v.highHalf)
                            }
                        }
                    }
                }
            }
        }
    }

    /// The 6 × 16 accumulators of one row tile and one panel; rows past `rows` are computed from a
    /// repeat of the last row and dropped.
    private struct Tile {
        let out: UnsafeMutablePointer<Float>
        let stride: Int
        let rows: Int
        let columns: Int
        let startsAtZero: Bool

        @inline(__always)
        func run(x: UnsafePointer<Float>, inputs: Int, block: Range<Int>, weight: UnsafePointer<Float>, weightStride: Int,
                 loadPanel: (UnsafePointer<Float>) -> (Vector, Vector)) {
            func row(_ i: Int) -> UnsafePointer<Float> { x + min(i, rows - 1) * inputs }
            let x0 = row(0), x1 = row(1), x2 = row(2), x3 = row(3), x4 = row(4), x5 = row(5)
            var (a0, b0) = load(0), (a1, b1) = load(1), (a2, b2) = load(2)
            var (a3, b3) = load(3), (a4, b4) = load(4), (a5, b5) = load(5)
            for k in block {
                let (low, high) = loadPanel(weight + k * weightStride)
                var s = Vector(repeating: x0[k]); a0.addProduct(s, low); b0.addProduct(s, high)
                s = Vector(repeating: x1[k]); a1.addProduct(s, low); b1.addProduct(s, high)
                s = Vector(repeating: x2[k]); a2.addProduct(s, low); b2.addProduct(s, high)
                s = Vector(repeating: x3[k]); a3.addProduct(s, low); b3.addProduct(s, high)
                s = Vector(repeating: x4[k]); a4.addProduct(s, low); b4.addProduct(s, high)
                s = Vector(repeating: x5[k]); a5.addProduct(s, low); b5.addProduct(s, high)
            }
            store(0, a0, b0); store(1, a1, b1); store(2, a2, b2)
            store(3, a3, b3); store(4, a4, b4); store(5, a5, b5)
        }

        @inline(__always) private func load(_ row: Int) -> (Vector, Vector) {
            guard row < rows, !startsAtZero else { return (Vector(), Vector()) }
            let v = VectorMath.load(out + row * stride, lanes: columns, fill: 0)
            return (v.lowHalf, v.highHalf)
        }

        @inline(__always) private func store(_ row: Int, _ low: Vector, _ high: Vector) {
            guard row < rows else { return }
            VectorMath.store(SIMD16(lowHalf: low, highHalf: high), out + row * stride, lanes: columns)
        }
    }

    /// W is [outputs, inputs] (the tied LM head): each thread takes a range of weight rows; a tile
    /// is 4 rows of inp against 3 weight rows, 8 inputs at a time, each accumulator holding 8 lane
    /// sums that are added up at the end.
    private func outputMajor(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, accumulate: Bool) {
        let rows = rows, inputs = inputs, outputs = outputs
        let tileRows = Self.rowsPerOutputMajorTile, tileWeights = Self.weightRowsPerTile
        let weightTiles = (outputs + tileWeights - 1) / tileWeights
        Parallel.forEachChunk(weightTiles, workPerItem: rows * inputs * tileWeights) { tileRange in
            for weightTile in tileRange {
                let firstWeight = weightTile * tileWeights
                let weights = min(tileWeights, outputs - firstWeight)
                func weightRow(_ j: Int) -> UnsafePointer<Float> { weight + (firstWeight + min(j, weights - 1)) * inputs }
                let w0 = weightRow(0), w1 = weightRow(1), w2 = weightRow(2)
                for firstRow in stride(from: 0, to: rows, by: tileRows) {
                    let tileRowCount = min(tileRows, rows - firstRow)
                    func row(_ i: Int) -> UnsafePointer<Float> { inp + (firstRow + min(i, tileRowCount - 1)) * inputs }
                    let x0 = row(0), x1 = row(1), x2 = row(2), x3 = row(3)
                    var a00 = Vector(), a01 = Vector(), a02 = Vector(), a10 = Vector(), a11 = Vector(), a12 = Vector()
                    var a20 = Vector(), a21 = Vector(), a22 = Vector(), a30 = Vector(), a31 = Vector(), a32 = Vector()
                    func step(_ k: Int, _ load: (UnsafePointer<Float>) -> Vector) {
                        let u0 = load(w0 + k), u1 = load(w1 + k), u2 = load(w2 + k)
                        var x = load(x0 + k); a00.addProduct(x, u0); a01.addProduct(x, u1); a02.addProduct(x, u2)
                        x = load(x1 + k); a10.addProduct(x, u0); a11.addProduct(x, u1); a12.addProduct(x, u2)
                        x = load(x2 + k); a20.addProduct(x, u0); a21.addProduct(x, u1); a22.addProduct(x, u2)
                        x = load(x3 + k); a30.addProduct(x, u0); a31.addProduct(x, u1); a32.addProduct(x, u2)
                    }
                    var k = 0
                    while k + Vector.scalarCount <= inputs {
                        step(k) { UnsafeRawPointer($0).loadUnaligned(as: Vector.self) }
                        k += Vector.scalarCount
                    }
                    if k < inputs {
                        let lanes = inputs - k
                        step(k) { p in
                            var v = Vector()
                            for lane in 0..<lanes { v[lane] = p[lane] }
                            return v
                        }
                    }
                    func store(_ i: Int, _ sums: (Vector, Vector, Vector)) {
                        guard i < tileRowCount else { return }
                        let o = out + (firstRow + i) * outputs + firstWeight
                        func add(_ j: Int, _ sum: Vector) { if j < weights { o[j] = (accumulate ? o[j] : 0) + sum.sum() } }
                        add(0, sums.0); add(1, sums.1); add(2, sums.2)
                    }
                    store(0, (a00, a01, a02)); store(1, (a10, a11, a12)); store(2, (a20, a21, a22)); store(3, (a30, a31, a32))
                }
            }
        }
    }
}
