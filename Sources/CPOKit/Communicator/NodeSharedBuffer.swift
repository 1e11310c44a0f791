import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Floats that the ranks of one node hold once between them: a read-only shared-memory file
/// (in /dev/shm) that the node's first rank fills and every rank of the node maps. Its name exists only
/// until every rank has mapped it, so the memory goes with the last process of the job, however
/// the job ends. Proportional set size (PSS) then charges each rank its share; resident size
/// (RSS) counts the whole segment in every rank.
public struct NodeSharedBuffer {
    public let buffer: FloatBuffer
    /// Ranks of this node that map `buffer`; 1 for a private copy.
    public let ranksSharing: Int
    /// Why every rank holds a private copy instead, when the node refused shared memory (a full or
    /// small /dev/shm, as containers often have); nil otherwise.
    public let refusal: String?
}

extension Communicator {
    /// `count` floats, the same on every rank of a node. `fill` writes them: once per node, on the
    /// node's first rank, or on every rank when shared memory is refused. Collective over this
    /// communicator. Writing to a shared buffer afterwards crashes: it is mapped read-only.
    /// `directory` is where the file lives while the ranks map it: a tmpfs, for memory.
    public func nodeSharedBuffer(count: Int, directory: String = "/dev/shm",
                                 fill: (UnsafeMutableBufferPointer<Float>) throws -> Void) throws -> NodeSharedBuffer {
        let node = try splitByNode()
        guard node.size > 1 else { return try privateCopy(count: count, fill: fill, refusal: nil) }
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        // The first rank creates and fills the segment, then tells the others its name (or "").
        var segment: SharedSegment?, failure: String?, fillError: (any Error)?
        var announcement = [UInt8](repeating: 0, count: SharedSegment.nameCapacity)
        if node.rank == 0 {
            do {
                let created = try SharedSegment.create(bytes: bytes, in: directory)
                segment = created
                let name = Array(created.name.utf8)
                announcement.replaceSubrange(0..<name.count, with: name)
                do { try fill(UnsafeMutableBufferPointer(start: created.start.bindMemory(to: Float.self, capacity: count), count: count)) }
                catch { fillError = error }
                created.protectReadOnly()
            } catch {
                failure = "\(error)"
            }
        }
        try announcement.withUnsafeMutableBufferPointer { try node.broadcast($0, root: 0) }
        let name = String(decoding: announcement.prefix { $0 != 0 }, as: UTF8.self)
        if node.rank != 0 && !name.isEmpty {
            do { segment = try SharedSegment.open(name: name, bytes: bytes) } catch { failure = "\(error)" }
        }
        let failedRanks = try node.allReduceSum(Int32(failure == nil && !name.isEmpty ? 0 : 1))
        if node.rank == 0 { segment?.unlink() }
        if let fillError { throw fillError }
        guard failedRanks == 0, let segment else {
            segment?.unmap()
            let reason = try node.allGather(Array((failure ?? "").utf8.prefix(SharedSegment.nameCapacity))
                                                .padded(to: SharedSegment.nameCapacity))
            let reasons = stride(from: 0, to: reason.count, by: SharedSegment.nameCapacity)
                .map { String(decoding: reason[$0 ..< $0 + SharedSegment.nameCapacity].prefix { $0 != 0 }, as: UTF8.self) }
            return try privateCopy(count: count, fill: fill, refusal: reasons.first { !$0.isEmpty } ?? "shared memory refused")
        }
        return NodeSharedBuffer(buffer: FloatBuffer(adopting: segment.start, length: segment.length, count: count),
                                ranksSharing: node.size, refusal: nil)
    }

    private func privateCopy(count: Int, fill: (UnsafeMutableBufferPointer<Float>) throws -> Void, refusal: String?) throws -> NodeSharedBuffer {
        let buffer = FloatBuffer(count: count)
        try fill(buffer.buffer)
        return NodeSharedBuffer(buffer: buffer, ranksSharing: 1, refusal: refusal)
    }
}

/// A mapped file of a tmpfs (what shm_open makes in /dev/shm), by name until unlinked.
private struct SharedSegment {
    static let nameCapacity = 4096
    /// The file's path.
    let name: String
    let start: UnsafeMutableRawPointer
    let length: Int

    /// Creates the file under a fresh unpredictable name (never through a symlink), reserving its
    /// pages now: a full tmpfs then fails here, with a message, instead of killing a rank with
    /// SIGBUS later.
    static func create(bytes: Int, in directory: String) throws -> SharedSegment {
        let name = "\(directory)/cpo-\(getpid())-\(String(UInt64.random(in: 0 ... .max), radix: 36))"
        let descriptor = Glibc.open(name, O_CREAT | O_EXCL | O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw SharedMemoryError(call: "creating \(name)", code: errno) }
        defer { close(descriptor) }
        let reserved = posix_fallocate(descriptor, 0, off_t(bytes))
        guard reserved == 0 else {
            Glibc.unlink(name)
            throw SharedMemoryError(call: "reserving \(bytes) bytes for \(name)", code: reserved)
        }
        guard let start = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, 0), start != MAP_FAILED else {
            let code = errno
            Glibc.unlink(name)
            throw SharedMemoryError(call: "mmap \(name)", code: code)
        }
        return SharedSegment(name: name, start: start, length: bytes)
    }

    static func open(name: String, bytes: Int) throws -> SharedSegment {
        let descriptor = Glibc.open(name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { throw SharedMemoryError(call: "opening \(name)", code: errno) }
        defer { close(descriptor) }
        guard let start = mmap(nil, bytes, PROT_READ, MAP_SHARED, descriptor, 0), start != MAP_FAILED else {
            throw SharedMemoryError(call: "mmap \(name)", code: errno)
        }
        return SharedSegment(name: name, start: start, length: bytes)
    }

    func protectReadOnly() { mprotect(start, length, PROT_READ) }
    func unlink() { Glibc.unlink(name) }
    func unmap() { munmap(start, length) }
}

struct SharedMemoryError: Error, CustomStringConvertible {
    let call: String
    let code: Int32
    var description: String { "\(call): \(String(cString: strerror(code)))" }
}

private extension Array where Element == UInt8 {
    func padded(to count: Int) -> [UInt8] { self + [UInt8](repeating: 0, count: count - self.count) }
}
