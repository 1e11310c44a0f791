#if canImport(Glibc)
import Glibc
#endif

/// An owned, 64-byte aligned, zero-initialised array of Float.
///
/// Parameters, gradients and optimizer moments each live in one of these, so that a checkpoint,
/// an all-reduce or an ensemble is a single pass over contiguous memory.
///
/// Buffers of 2 MB and more are mapped straight from the kernel, which hands out zeroed pages. From
/// 32 MB on they are also asked for transparent huge pages: a decoder's 0.5 GB copy of GPT-2's
/// weights then costs 250 page faults instead of 120 000, and the strided weight reads of the
/// kernels fewer TLB misses. (Smaller buffers would waste up to a huge page each in resident memory.)
///
/// A mapped buffer can give pages back (`discardPages`): they read as zero afterwards and take no
/// memory until written again, which is how ZeRO stage 2 keeps only its shard of the gradients.
public final class FloatBuffer: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>
    /// The whole mapping behind a large buffer (its start and length), nil for a small one.
    private let mapping: (start: UnsafeMutableRawPointer, length: Int)?
    /// Elements per page of the mapping (a huge page where the buffer asked for them); 1 for a heap
    /// buffer, whose memory cannot be given back, only zeroed.
    public let pageLength: Int

    private static let hugePage = 2 << 20
    private static let smallestMapped = 2 << 20, smallestOnHugePages = 32 << 20
    private static let systemPage = sysconf(Int32(_SC_PAGESIZE))

    /// `pageBacked` maps the buffer from the kernel whatever its size, so that `discardPages`
    /// returns memory even for a small one.
    public init(count: Int, pageBacked: Bool = false) {
        precondition(count >= 0, "FloatBuffer count must be non-negative")
        self.count = count
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        let hugePages = bytes >= Self.smallestOnHugePages
        if bytes >= Self.smallestMapped || pageBacked, let (start, length, aligned) = Self.map(bytes, hugePages: hugePages) {
            mapping = (start, length)
            pointer = aligned.bindMemory(to: Float.self, capacity: count)
            pageLength = (hugePages ? Self.hugePage : Self.systemPage) / MemoryLayout<Float>.stride
        } else {
            mapping = nil
            pageLength = 1
            let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
            pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
            pointer.initialize(repeating: 0, count: max(count, 1))
        }
    }

    /// Takes over a mapping of `length` bytes at `start` that holds `count` floats, unmapped with
    /// the buffer: memory another process may map too (`Communicator.nodeSharedBuffer`).
    init(adopting start: UnsafeMutableRawPointer, length: Int, count: Int) {
        precondition(count * MemoryLayout<Float>.stride <= length, "the mapping is smaller than the buffer")
        self.count = count
        mapping = (start, length)
        pointer = start.bindMemory(to: Float.self, capacity: count)
        pageLength = Int(Self.systemPage) / MemoryLayout<Float>.stride
    }

    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    deinit {
        if let mapping { munmap(mapping.start, mapping.length) } else { UnsafeMutableRawPointer(pointer).deallocate() }
    }

    /// An anonymous mapping of `bytes` (with room to start on a huge-page boundary when `hugePages`),
    /// or nil when the kernel refuses (the caller then allocates normally).
    private static func map(_ bytes: Int, hugePages: Bool) -> (start: UnsafeMutableRawPointer, length: Int, aligned: UnsafeMutableRawPointer)? {
        let length = hugePages ? (bytes + hugePage - 1) / hugePage * hugePage + hugePage : bytes
        guard let start = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              start != MAP_FAILED else { return nil }
        guard hugePages else { return (start, length, start) }
        let aligned = UnsafeMutableRawPointer(bitPattern: (Int(bitPattern: start) + hugePage - 1) / hugePage * hugePage)!
        // Advice only: where huge pages are off the buffer still works with small ones.
        _ = madvise(aligned, length - (aligned - start), MADV_HUGEPAGE)
        return (start, length, aligned)
    }

    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: pointer, count: count) }

    public subscript(i: Int) -> Float {
        get { pointer[i] }
        set { pointer[i] = newValue }
    }

    public func zero() { pointer.update(repeating: 0, count: count) }

    public func zero(_ range: Range<Int>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "range \(range) is outside the buffer of \(count)")
        (pointer + range.lowerBound).update(repeating: 0, count: range.count)
    }

    /// Zeroes `range`, which starts and ends on multiples of `pageLength` (or ends at `count`), by
    /// handing its pages back to the kernel: until written again they read as zero and take no
    /// memory. No other thread may touch the range meanwhile.
    public func discardPages(_ range: Range<Int>) {
        precondition(range.lowerBound % pageLength == 0 && (range.upperBound % pageLength == 0 || range.upperBound == count)
                         && range.lowerBound >= 0 && range.upperBound <= count, "range \(range) is not whole pages of the buffer")
        guard mapping != nil else { return zero(range) }
        guard !range.isEmpty else { return }
        // The last page may run past `count`; the mapping holds it whole.
        let end = (range.upperBound + pageLength - 1) / pageLength * pageLength
        let discarded = madvise(pointer + range.lowerBound, (end - range.lowerBound) * MemoryLayout<Float>.stride, MADV_DONTNEED)
        // Anonymous private memory always accepts MADV_DONTNEED; should it not, the zeros still must be there.
        if discarded != 0 { zero(range) }
    }

    /// Bytes of the buffer that are in memory now (the whole buffer for a heap buffer).
    public var residentBytes: Int {
        guard mapping != nil, count > 0 else { return count * MemoryLayout<Float>.stride }
        let bytes = count * MemoryLayout<Float>.stride
        let pages = (bytes + Self.systemPage - 1) / Self.systemPage
        var resident = [UInt8](repeating: 0, count: pages)
        guard mincore(UnsafeMutableRawPointer(pointer), bytes, &resident) == 0 else { return bytes }
        return resident.reduce(0) { $0 + Int($1 & 1) } * Self.systemPage
    }

    public func copy(from other: FloatBuffer) {
        precondition(other.count == count, "FloatBuffer sizes differ")
        pointer.update(from: other.pointer, count: count)
    }

    public func toArray() -> [Float] { Array(buffer) }
}

extension FloatBuffer {
    /// FNV-1a over the bit patterns: equal exactly when the contents are bit-for-bit equal (up to
    /// hash collisions), so replicas can compare their weights cheaply.
    public var checksum: UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for i in 0..<count {
            hash = (hash ^ UInt64(pointer[i].bitPattern)) &* 0x0000_0100_0000_01B3
        }
        return hash
    }
}
