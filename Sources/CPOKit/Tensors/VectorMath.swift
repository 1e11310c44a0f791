/// SIMD building blocks for the kernels.
///
/// Reductions keep 16 partial sums and combine them in a fixed order, so a row's result depends only
/// on the row's values and length, never on which thread computed it.
enum VectorMath {
    typealias Vector = SIMD16<Float>
    static let width = Vector.scalarCount

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }

    @inline(__always) static func store(_ value: Vector, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: value, as: Vector.self)
    }

    /// Lanes `0..<lanes` from `p`, the others `fill`: the padded last block of a row.
    @inline(__always) static func load(_ p: UnsafePointer<Float>, lanes: Int, fill: Float = 0) -> Vector {
        if lanes == width { return load(p) }
        var value = Vector(repeating: fill)
        for lane in 0..<lanes { value[lane] = p[lane] }
        return value
    }

    @inline(__always) static func store(_ value: Vector, _ p: UnsafeMutablePointer<Float>, lanes: Int) {
        if lanes == width { return store(value, p) }
        for lane in 0..<lanes { p[lane] = value[lane] }
    }

    /// Visits `0..<count` in blocks of `width` elements, the last one possibly partial; loaded with
    /// `load(_:lanes:fill:)`, every element goes through the same vector arithmetic.
    @inline(__always) static func forEachBlock(_ count: Int, _ body: (_ start: Int, _ lanes: Int) -> Void) {
        var start = 0
        while start + width <= count { body(start, width); start += width }
        if start < count { body(start, count - start) }
    }

    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        var accumulator = Vector()
        var i = 0
        while i + width <= count { accumulator += load(a + i) * load(b + i); i += width }
        var total = accumulator.sum()
        while i < count { total += a[i] * b[i]; i += 1 }
        return total
    }

    static func sum(_ a: UnsafePointer<Float>, _ count: Int) -> Float {
        var accumulator = Vector()
        var i = 0
        while i + width <= count { accumulator += load(a + i); i += width }
        var total = accumulator.sum()
        while i < count { total += a[i]; i += 1 }
        return total
    }

    static func maximum(_ a: UnsafePointer<Float>, _ count: Int) -> Float {
        var accumulator = Vector(repeating: -.infinity)
        var i = 0
        while i + width <= count { accumulator = pointwiseMax(accumulator, load(a + i)); i += width }
        var result = accumulator.max()
        while i < count { result = Swift.max(result, a[i]); i += 1 }
        return result
    }

    /// y[i] += alpha · x[i]
    @inline(__always) static func addScaled(_ alpha: Float, _ x: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>, _ count: Int) {
        for i in 0..<count { y[i] += alpha * x[i] }
    }

    /// Σ exp(a[i] − shift), the normaliser of a softmax.
    static func sumOfExponentials(_ a: UnsafePointer<Float>, _ count: Int, shift: Float) -> Float {
        var accumulator = Vector()
        forEachBlock(count) { start, lanes in
            let x = load(a + start, lanes: lanes, fill: -.infinity)
            accumulator += exp(x - Vector(repeating: shift))
        }
        return accumulator.sum()
    }

    /// eˣ to about 1 ulp (Cephes' expf: x = n·ln2 + r, a degree-6 polynomial for eʳ, 2ⁿ through the
    /// exponent bits); 0 below −87.3, where eˣ would be subnormal.
    @inline(__always) static func exp(_ x: Vector) -> Vector {
        let clamped = pointwiseMin(x, Vector(repeating: 88.3762626647949))
        let lowest = Vector(repeating: -87.3365478515625)
        let n = (pointwiseMax(clamped, lowest) * 1.44269504088896341).rounded(.toNearestOrEven)
        var r = pointwiseMax(clamped, lowest) - n * 0.693359375
        r = r - n * -2.12194440e-4
        var p = Vector(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        p = p * r * r + r + 1
        let exponent = (SIMD16<Int32>(n, rounding: .towardZero) &+ 127) &<< 23
        let result = p * unsafeBitCast(exponent, to: Vector.self)
        return result.replacing(with: 0, where: x .< lowest)
    }

    /// tanh through e^(−2|x|), which never overflows.
    @inline(__always) static func tanh(_ x: Vector) -> Vector {
        let magnitude = pointwiseMax(x, -x)
        let t = exp(-2 * magnitude)
        let positive = (1 - t) / (1 + t)
        return positive.replacing(with: -positive, where: x .< 0)
    }
}
