import COpenBLAS

/// out = base + bias + inp · W for a few rows of `inp`, as in a decode step (one token per sequence).
///
/// With few rows a product is bound by reading W: each weight is used `rows` times, and sgemm
/// first copies W into packed panels, which costs about as much again. These kernels read W once,
/// straight from its storage, into register tiles, and prefetch the weights a few tiles ahead.
///
/// Every output element is base + bias followed by one fixed sequence of fused multiply-adds over
/// k = 0..<inputs (the outputMajor tile keeps 8 lane sums and adds them pairwise at the end), so a
/// row's result depends on that row and W only: not on the thread count, nor on the other rows.
struct FewRowsMatrixProduct {
    typealias Vector = SIMD8<Float>
    let rows: Int
    let inputs: Int
    let outputs: Int
    let layout: WeightLayout

    /// Above this many rows sgemm's packing pays for itself (measured on GPT-2 124M's shapes: at 64
    /// rows these kernels still take 6% less time than OpenBLAS, at 16 rows 40% less).
    static let maximumRows = 64

    /// Rows per register tile: 6 rows × 16 columns (inputMajor, 12 accumulators) or 2 rows × 4
    /// weight rows (outputMajor, 8 accumulators, as 12 would spill) fit the 16 AVX registers.
    private static let rowsPerInputMajorTile = 6, columnsPerPanel = 16
    private static let rowsPerOutputMajorTile = 2, weightRowsPerTile = 4
    /// How many panels (inputMajor) or weight tiles (outputMajor) ahead the weights are prefetched:
    /// enough to cover memory latency at the rate a tile consumes them.
    private static let prefetchDistance = 4

    /// `base` ([rows, outputs], the residual stream) and `bias` ([outputs]) may each be absent.
    /// `panels` is the same W laid out by `packPanels`: streamed from one contiguous run per panel,
    /// it reaches the kernel faster than W's strided rows, and either layout becomes inputMajor.
    func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                 panels: UnsafePointer<Float>? = nil, bias: UnsafePointer<Float>?, base: UnsafePointer<Float>?) {
        let start = Start(base: base, bias: bias, stride: outputs)
        if let panels {
            return inputMajor(out: out, inp: inp, panels: PanelSource(packed: panels, inputs: inputs), start: start)
        }
        switch layout {
        case .inputMajor: inputMajor(out: out, inp: inp, panels: PanelSource(weight: weight, outputs: outputs), start: start)
        case .outputMajor: outputMajor(out: out, inp: inp, weight: weight, start: start)
        }
    }

    /// Floats `packPanels` writes for W: whole panels, the last one padded.
    static func packedCount(inputs: Int, outputs: Int) -> Int {
        (outputs + columnsPerPanel - 1) / columnsPerPanel * columnsPerPanel * inputs
    }

    /// Copies W into `packed` panel by panel: panel p holds W's outputs 16p ..< 16p + 16 for input
    /// k = 0..<inputs as one run of 16-float rows, zero past the last output.
    ///
    /// Both layouts are read in order: an inputMajor W 16 rows at a time, each row cut into its
    /// panels' pieces (16 rows of a panel are 1 KB in a row of `packed`); an outputMajor W one panel
    /// (16 contiguous rows) at a time, transposed.
    static func packPanels(_ weight: UnsafePointer<Float>, layout: WeightLayout, inputs: Int, outputs: Int,
                           into packed: UnsafeMutablePointer<Float>) {
        let width = columnsPerPanel, panels = (outputs + width - 1) / width
        switch layout {
        case .inputMajor:
            let rowBlocks = (inputs + width - 1) / width
            Parallel.forEachChunk(rowBlocks, workPerItem: width * outputs) { range in
                for rowBlock in range {
                    for panel in 0..<panels {
                        let column = panel * width, columns = min(width, outputs - column)
                        for k in rowBlock * width ..< min((rowBlock + 1) * width, inputs) {
                            VectorMath.store(VectorMath.load(weight + k * outputs + column, lanes: columns),
                                             packed + panel * inputs * width + k * width)
                        }
                    }
                }
            }
        case .outputMajor:
            Parallel.forEachChunk(panels, workPerItem: inputs * width) { range in
                for panel in range {
                    let column = panel * width, columns = min(width, outputs - column)
                    let destination = packed + panel * inputs * width
                    if columns < width { destination.update(repeating: 0, count: inputs * width) }
                    for c in 0..<columns {
                        let source = weight + (column + c) * inputs
                        for k in 0..<inputs { destination[k * width + c] = source[k] }
                    }
                }
            }
        }
    }

    /// Where row k of W's panel p starts: in W itself, `outputs` floats after row k − 1, or in a
    /// packed copy, where each panel is one run.
    private struct PanelSource {
        let base: UnsafePointer<Float>
        let panelStride: Int
        let rowStride: Int
        /// Weight rows per block: a packed panel streams whole; in W a block's 16-column strip
        /// (16 KB) stays in L1 while every row tile uses it.
        let block: Int

        init(weight: UnsafePointer<Float>, outputs: Int) {
            (base, panelStride, rowStride, block) = (weight, columnsPerPanel, outputs, 256)
        }

        init(packed: UnsafePointer<Float>, inputs: Int) {
            (base, panelStride, rowStride, block) = (packed, inputs * columnsPerPanel, columnsPerPanel, inputs)
        }

        func panel(_ p: Int) -> UnsafePointer<Float> { base + p * panelStride }
    }

    /// What an output starts from before the products: base + bias, each optional.
    private struct Start {
        let base: UnsafePointer<Float>?
        let bias: UnsafePointer<Float>?
        let stride: Int

        @inline(__always) func value(row: Int, column: Int) -> Float {
            switch (base, bias) {
            case let (b?, w?): return b[row * stride + column] + w[column]
            case let (b?, nil): return b[row * stride + column]
            case let (nil, w?): return w[column]
            case (nil, nil): return 0
            }
        }

        @inline(__always) func vector(row: Int, column: Int, lanes: Int) -> SIMD16<Float> {
            let b = base.map { VectorMath.load($0 + row * stride + column, lanes: lanes) }
            let w = bias.map { VectorMath.load($0 + column, lanes: lanes) }
            switch (b, w) {
            case let (b?, w?): return b + w
            case let (b?, nil): return b
            case let (nil, w?): return w
            case (nil, nil): return SIMD16()
            }
        }
    }

    /// W is [inputs, outputs]: each thread takes a range of 16-column panels and, block of weight
    /// rows by block, runs every row tile down each panel, broadcasting inp[m, k] against W[k, panel].
    /// The rows are split into tiles of near-equal size, at most 6, each compiled for its exact
    /// count, so no tile computes rows it throws away.
    private func inputMajor(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, panels source: PanelSource, start: Start) {
        let rows = rows, inputs = inputs, outputs = outputs
        let panelWidth = Self.columnsPerPanel
        let panels = (outputs + panelWidth - 1) / panelWidth
        let tiles = (rows + Self.rowsPerInputMajorTile - 1) / Self.rowsPerInputMajorTile
        Parallel.forEachChunk(panels, workPerItem: rows * inputs * panelWidth) { panelRange in
            for blockStart in stride(from: 0, to: inputs, by: source.block) {
                let block = blockStart ..< min(blockStart + source.block, inputs)
                for panel in panelRange {
                    let column = panel * panelWidth
                    let width = min(panelWidth, outputs - column)
                    let ahead = source.panel(min(panel + Self.prefetchDistance, panels - 1))
                    for tile in 0..<tiles {
                        let firstRow = rows * tile / tiles, tileRows = rows * (tile + 1) / tiles - firstRow
                        let t = Tile(out: out + firstRow * outputs + column, outputs: outputs,
                                     x: inp + firstRow * inputs, inputs: inputs, weight: source.panel(panel), rowStride: source.rowStride,
                                     prefetch: Prefetch(ahead + block.lowerBound * source.rowStride, stride: source.rowStride,
                                                        count: block.count, steps: block.count, tile: tile, tiles: tiles),
                                     rows: tileRows, firstRow: firstRow, column: column, columns: width,
                                     start: blockStart == 0 ? start : nil)
                        if width < panelWidth {
                            t.run(block, SixRows.self) {
                                let v = VectorMath.load($0, lanes: width, fill: 0)
                                return (v.lowHalf, v.highHalf)
                            }
                            continue
                        }
                        let full = { (p: UnsafePointer<Float>) in (Self.load(p), Self.load(p + 8)) }
                        switch tileRows {
                        case 1: t.run(block, OneRow.self, loadPanel: full)
                        case 2: t.run(block, TwoRows.self, loadPanel: full)
                        case 3: t.run(block, ThreeRows.self, loadPanel: full)
                        case 4: t.run(block, FourRows.self, loadPanel: full)
                        case 5: t.run(block, FiveRows.self, loadPanel: full)
                        default: t.run(block, SixRows.self, loadPanel: full)
                        }
                    }
                }
            }
        }
    }

    /// What one row tile asks for ahead of use: its share of `count` cache lines `stride` floats
    /// apart (a later panel's rows, or a later run of weight rows), spread over the tile's `steps`
    /// loop steps. Each of the `tiles` row tiles takes an equal share, so requests to memory flow at
    /// an even rate instead of in one burst while the first tile runs.
    private struct Prefetch {
        let base: UnsafePointer<Float>
        let stride: Int
        let firstStep: Int
        /// Step i of tile t asks for line ⌊(t · steps + i) · count / (tiles · steps)⌋: one
        /// fixed-point multiply instead of a division.
        let scale: Int

        init(_ base: UnsafePointer<Float>, stride: Int, count: Int, steps: Int, tile: Int, tiles: Int) {
            self.base = base
            self.stride = stride
            firstStep = tile * steps
            scale = (count << 32) / (tiles * steps) + 1
        }

        @inline(__always) func callAsFunction(_ step: Int) {
            cpo_prefetch(base + (((firstStep &+ step) &* scale) &>> 32) &* stride)
        }
    }

    /// The accumulators of one row tile (up to 6 rows × 16 columns) and one panel. The first block
    /// of inputs starts from `start`, later ones from the partial sums in `out`.
    private struct Tile {
        /// The tile's corner in out [rows, outputs], its first row of inp [rows, inputs], and its
        /// panel of W, whose row k starts `rowStride` floats after row k − 1.
        let out: UnsafeMutablePointer<Float>, outputs: Int
        let x: UnsafePointer<Float>, inputs: Int
        let weight: UnsafePointer<Float>, rowStride: Int
        let prefetch: Prefetch
        let rows: Int, firstRow: Int
        let column: Int, columns: Int
        let start: Start?

        /// Computes `Height.rows` ≥ `rows` rows: each height is its own specialisation, so unused
        /// accumulators and their products compile away. Rows past `rows` repeat the last row and
        /// are not stored.
        @inline(__always)
        func run<Height: TileHeight>(_ block: Range<Int>, _: Height.Type, loadPanel: (UnsafePointer<Float>) -> (Vector, Vector)) {
            let computed = Height.rows
            func row(_ i: Int) -> UnsafePointer<Float> { x + min(i, rows - 1) * inputs }
            let x0 = row(0), x1 = row(1), x2 = row(2), x3 = row(3), x4 = row(4), x5 = row(5)
            var (a0, b0) = load(0), (a1, b1) = load(1), (a2, b2) = load(2)
            var (a3, b3) = load(3), (a4, b4) = load(4), (a5, b5) = load(5)
            for k in block {
                prefetch(k &- block.lowerBound)
                let (low, high) = loadPanel(weight + k * rowStride)
                var s = Vector(repeating: x0[k]); a0.addProduct(s, low); b0.addProduct(s, high)
                if computed > 1 { s = Vector(repeating: x1[k]); a1.addProduct(s, low); b1.addProduct(s, high) }
                if computed > 2 { s = Vector(repeating: x2[k]); a2.addProduct(s, low); b2.addProduct(s, high) }
                if computed > 3 { s = Vector(repeating: x3[k]); a3.addProduct(s, low); b3.addProduct(s, high) }
                if computed > 4 { s = Vector(repeating: x4[k]); a4.addProduct(s, low); b4.addProduct(s, high) }
                if computed > 5 { s = Vector(repeating: x5[k]); a5.addProduct(s, low); b5.addProduct(s, high) }
            }
            store(0, a0, b0); store(1, a1, b1); store(2, a2, b2)
            store(3, a3, b3); store(4, a4, b4); store(5, a5, b5)
        }

        @inline(__always) private func load(_ row: Int) -> (Vector, Vector) {
            guard row < rows else { return (Vector(), Vector()) }
            let v = start?.vector(row: firstRow + row, column: column, lanes: columns)
                ?? VectorMath.load(out + row * outputs, lanes: columns, fill: 0)
            return (v.lowHalf, v.highHalf)
        }

        @inline(__always) private func store(_ row: Int, _ low: Vector, _ high: Vector) {
            guard row < rows else { return }
            VectorMath.store(SIMD16(lowHalf: low, highHalf: high), out + row * outputs, lanes: columns)
        }
    }

    /// W is [outputs, inputs] (the tied LM head): each thread takes a range of weight rows; a tile
    /// is 2 rows of inp against 4 weight rows, 8 inputs at a time, each accumulator holding 8 lane
    /// sums that are added up at the end.
    private func outputMajor(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, start: Start) {
        let rows = rows, inputs = inputs, outputs = outputs
        let tileRows = Self.rowsPerOutputMajorTile, tileWeights = Self.weightRowsPerTile
        let weightTiles = (outputs + tileWeights - 1) / tileWeights
        Parallel.forEachChunk(weightTiles, workPerItem: rows * inputs * tileWeights) { tileRange in
            for weightTile in tileRange {
                let firstWeight = weightTile * tileWeights
                let weights = min(tileWeights, outputs - firstWeight)
                func weightRow(_ j: Int) -> UnsafePointer<Float> { weight + (firstWeight + min(j, weights - 1)) * inputs }
                let w0 = weightRow(0), w1 = weightRow(1), w2 = weightRow(2), w3 = weightRow(3)
                // Weight rows are contiguous: the tile `prefetchDistance` ahead is one run of 4 · inputs
                // floats, whose lines the row tiles share out.
                let aheadRow = firstWeight + Self.prefetchDistance * tileWeights
                let ahead = aheadRow + tileWeights <= outputs ? weight + aheadRow * inputs : w0
                let rowTiles = (rows + tileRows - 1) / tileRows, steps = max(inputs / Vector.scalarCount, 1)
                for rowTile in 0..<rowTiles {
                    let firstRow = rowTile * tileRows, tileRowCount = min(tileRows, rows - firstRow)
                    func row(_ i: Int) -> UnsafePointer<Float> { inp + (firstRow + min(i, tileRowCount - 1)) * inputs }
                    let x0 = row(0), x1 = row(1)
                    let prefetch = Prefetch(ahead, stride: 16, count: tileWeights * inputs / 16, steps: steps, tile: rowTile, tiles: rowTiles)
                    var a00 = Vector(), a01 = Vector(), a02 = Vector(), a03 = Vector()
                    var a10 = Vector(), a11 = Vector(), a12 = Vector(), a13 = Vector()
                    func step(_ k: Int, _ load: (UnsafePointer<Float>) -> Vector) {
                        let u0 = load(w0 + k), u1 = load(w1 + k), u2 = load(w2 + k), u3 = load(w3 + k)
                        var x = load(x0 + k); a00.addProduct(x, u0); a01.addProduct(x, u1); a02.addProduct(x, u2); a03.addProduct(x, u3)
                        x = load(x1 + k); a10.addProduct(x, u0); a11.addProduct(x, u1); a12.addProduct(x, u2); a13.addProduct(x, u3)
                    }
                    var k = 0
                    while k + Vector.scalarCount <= inputs {
                        prefetch(k / Vector.scalarCount)
                        step(k, Self.load)
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
                    func store(_ i: Int, _ sums: (Vector, Vector, Vector, Vector)) {
                        guard i < tileRowCount else { return }
                        let o = out + (firstRow + i) * outputs + firstWeight
                        func add(_ j: Int, _ sum: Vector) {
                            if j < weights { o[j] = start.value(row: firstRow + i, column: firstWeight + j) + Self.sum(sum) }
                        }
                        add(0, sums.0); add(1, sums.1); add(2, sums.2); add(3, sums.3)
                    }
                    store(0, (a00, a01, a02, a03)); store(1, (a10, a11, a12, a13))
                }
            }
        }
    }

    private enum OneRow: TileHeight { static var rows: Int { 1 } }
    private enum TwoRows: TileHeight { static var rows: Int { 2 } }
    private enum ThreeRows: TileHeight { static var rows: Int { 3 } }
    private enum FourRows: TileHeight { static var rows: Int { 4 } }
    private enum FiveRows: TileHeight { static var rows: Int { 5 } }
    private enum SixRows: TileHeight { static var rows: Int { 6 } }

    @inline(__always) private static func load(_ p: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }

    /// The lanes added pairwise, halves first.
    @inline(__always) private static func sum(_ v: Vector) -> Float {
        let four = v.lowHalf + v.highHalf, two = four.lowHalf + four.highHalf
        return two[0] + two[1]
    }
}

/// The rows one inputMajor register tile computes, as a type: a compile-time constant in each
/// specialisation of the tile's loop.
private protocol TileHeight { static var rows: Int { get } }
