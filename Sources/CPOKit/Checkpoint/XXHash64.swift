import Foundation

/// XXH64 (xxHash's 64-bit hash, seed 0): the checksum a checkpoint manifest records per file. It is
/// not cryptographic — it guards against flipped bits and torn copies, not an adversary — and it is
/// a few multiply-adds per 8 bytes, so verifying a checkpoint on resume costs about what reading it does.
/// Fed in pieces of any size, it gives the digest of their concatenation.
struct XXHash64 {
    private static let prime1: UInt64 = 0x9E37_79B1_85EB_CA87
    private static let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    private static let prime3: UInt64 = 0x1656_67B1_9E37_79F9
    private static let prime4: UInt64 = 0x85EB_CA77_C2B2_AE63
    private static let prime5: UInt64 = 0x27D4_EB2F_1656_67C5
    private static let stripe = 32

    private var lanes: (UInt64, UInt64, UInt64, UInt64) = (prime1 &+ prime2, prime2, 0, 0 &- prime1)
    private var length: UInt64 = 0
    /// Bytes short of a whole stripe, held until the next piece completes it.
    private var pending: [UInt8] = []

    init() {}

    /// The digest of a whole byte string.
    static func digest(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash = XXHash64()
        hash.update(bytes)
        return hash.finalize()
    }

    /// The digest of a file, read in pieces; nil when it cannot be read.
    static func digest(ofFile url: URL) -> UInt64? {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return nil }
        defer { try? handle.close() }
        var hash = XXHash64()
        do {
            // Foundation gives nil or an empty piece at the end of the file, by platform.
            while let piece = try handle.read(upToCount: 8 << 20), !piece.isEmpty { piece.withUnsafeBytes { hash.update($0) } }
        } catch {
            return nil
        }
        return hash.finalize()
    }

    /// 16 lowercase hexadecimal digits, as the manifest stores a digest.
    static func hex(_ digest: UInt64) -> String {
        let digits = String(digest, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        length &+= UInt64(bytes.count)
        var start = 0
        if !pending.isEmpty {
            let taken = min(Self.stripe - pending.count, bytes.count)
            pending += bytes[0 ..< taken]
            start = taken
            guard pending.count == Self.stripe else { return }
            pending.withUnsafeBytes { consumeStripes($0) }
            pending.removeAll(keepingCapacity: true)
        }
        let whole = (bytes.count - start) / Self.stripe * Self.stripe
        consumeStripes(UnsafeRawBufferPointer(rebasing: bytes[start ..< start + whole]))
        pending += bytes[(start + whole)...]
    }

    func finalize() -> UInt64 {
        var hash: UInt64
        if length >= UInt64(Self.stripe) {
            hash = rotate(lanes.0, 1) &+ rotate(lanes.1, 7) &+ rotate(lanes.2, 12) &+ rotate(lanes.3, 18)
            for lane in [lanes.0, lanes.1, lanes.2, lanes.3] {
                hash = (hash ^ Self.round(0, lane)) &* Self.prime1 &+ Self.prime4
            }
        } else {
            hash = Self.prime5
        }
        hash &+= length
        pending.withUnsafeBytes { tail in
            var offset = 0
            while offset + 8 <= tail.count {
                hash ^= Self.round(0, tail.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian)
                hash = rotate(hash, 27) &* Self.prime1 &+ Self.prime4
                offset += 8
            }
            if offset + 4 <= tail.count {
                hash ^= UInt64(tail.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian) &* Self.prime1
                hash = rotate(hash, 23) &* Self.prime2 &+ Self.prime3
                offset += 4
            }
            while offset < tail.count {
                hash ^= UInt64(tail[offset]) &* Self.prime5
                hash = rotate(hash, 11) &* Self.prime1
                offset += 1
            }
        }
        hash ^= hash >> 33
        hash &*= Self.prime2
        hash ^= hash >> 29
        hash &*= Self.prime3
        hash ^= hash >> 32
        return hash
    }

    /// Whole stripes only: `bytes.count` is a multiple of 32.
    private mutating func consumeStripes(_ bytes: UnsafeRawBufferPointer) {
        var (a, b, c, d) = lanes
        var offset = 0
        while offset < bytes.count {
            a = Self.round(a, bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian)
            b = Self.round(b, bytes.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self).littleEndian)
            c = Self.round(c, bytes.loadUnaligned(fromByteOffset: offset + 16, as: UInt64.self).littleEndian)
            d = Self.round(d, bytes.loadUnaligned(fromByteOffset: offset + 24, as: UInt64.self).littleEndian)
            offset += Self.stripe
        }
        lanes = (a, b, c, d)
    }

    private static func round(_ accumulator: UInt64, _ input: UInt64) -> UInt64 {
        rotate(accumulator &+ input &* prime2, 31) &* prime1
    }
}

private func rotate(_ value: UInt64, _ bits: UInt64) -> UInt64 { (value << bits) | (value >> (64 - bits)) }
