/// SIMD building blocks for the kernels.
///
/// Reductions keep 16 partial sums and combine them in a fixed order, so a row's result depends only
/// on the row's values and length, never on which thread computed it. Lanes are chosen with
/// `replacing(with:where:)`, which compiles to a blend; `pointwiseMin`/`pointwiseMax` keep IEEE NaN
/// rules and run lane by lane.
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
        while i + width <= count {
            let x = load(a + i)
            accumulator.replace(with: x, where: x .> accumulator)
            i += width
        }
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
        let lowest = Vector(repeating: -87.3365478515625), highest = Vector(repeating: 88.3762626647949)
        let clamped = x.replacing(with: highest, where: x .> highest).replacing(with: lowest, where: x .< lowest)
        // Adding 1.5·2²³ rounds to an integer in the low mantissa bits: n as a float and as bits,
        // without the (slow, generic) float-to-integer conversion.
        let roundingShift = Vector(repeating: 12582912)
        let shifted = clamped * 1.44269504088896341 + roundingShift
        let n = shifted - roundingShift
        var r = clamped - n * 0.693359375
        r = r - n * -2.12194440e-4
        var p = Vector(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        p = p * r * r + r + 1
        let exponentBits = (unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
        let result = p * unsafeBitCast(exponentBits, to: Vector.self)
        return result.replacing(with: 0, where: x .< lowest)
    }

    /// tanh through e^(−2|x|), which never overflows.
    @inline(__always) static func tanh(_ x: Vector) -> Vector {
        let magnitude = x.replacing(with: -x, where: x .< 0)
        let t = exp(-2 * magnitude)
        let positive = (1 - t) / (1 + t)
        return positive.replacing(with: -positive, where: x .< 0)
    }
}
