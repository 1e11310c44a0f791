/// Narrowing Float to the 16-bit formats safetensors stores, bit for bit as PyTorch does
/// (`tensor.to(torch.bfloat16)`, `tensor.to(torch.float16)`), so an exported checkpoint matches
/// one written from PyTorch.
enum HalfPrecision {
    /// PyTorch's scalar conversion makes every NaN this one; its vectorised CPU path writes 0xFFFF
    /// instead, so PyTorch itself is not consistent. Either reads back as NaN, and one fixed
    /// pattern keeps exports reproducible.
    static let bfloat16NaN: UInt16 = 0x7FC0

    /// Round to nearest, ties to even, by adding a bias below the cut: a carry out of the
    /// mantissa bumps the exponent, and out of the largest exponent it gives infinity, which is
    /// IEEE overflow. Subnormals need no special case, since bfloat16 keeps Float's exponent.
    @inline(__always)
    static func bfloat16Bits(_ value: Float) -> UInt16 {
        if value.isNaN { return bfloat16NaN }
        let bits = value.bitPattern
        let bias = 0x7FFF + ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: (bits &+ bias) >> 16)
    }

    /// IEEE round to nearest, ties to even, with overflow to ±infinity and gradual underflow. A
    /// NaN keeps its sign and the top of its payload and is made quiet, so it stays NaN even when
    /// the kept payload bits are zero; PyTorch's conversion (F16C on x86) does the same.
    @inline(__always)
    static func float16Bits(_ value: Float) -> UInt16 {
        Float16(value).bitPattern
    }
}
