import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A file or folder that could not be written; nothing was left at its destination.
public struct AtomicFileError: Error, CustomStringConvertible {
    public let file: String
    public let reason: String
    public init(file: String, reason: String) { self.file = file; self.reason = reason }
    static func unwritable(file: String, reason: String) -> AtomicFileError { AtomicFileError(file: file, reason: reason) }
    static func unwritable(file: String) -> AtomicFileError { unwritable(file: file, reason: String(cString: strerror(errno))) }
    public var description: String { "\(file): cannot write: \(reason)" }
}

/// Writes files so that a reader (or a later `--resume`) sees either the old content or the new
/// one, never a half-written file: write to a temporary (`TemporaryFile`), fsync, rename, fsync
/// the folder.
public enum AtomicFile {
    /// The open temporary file that `write(to:_:)` hands its producer; bytes are appended in order.
    public struct Sink {
        fileprivate let fd: Int32
        fileprivate let destination: String

        public func append(_ bytes: UnsafeRawBufferPointer) throws { try AtomicFile.writeAll(bytes, to: fd, file: destination) }

        public func append(_ data: Data) throws { try data.withUnsafeBytes { try append($0) } }
    }

    public static func write(_ data: Data, to url: URL) throws {
        try write(to: url) { try $0.append(data) }
    }

    /// Streams the content through `produce`, so large files (a model's parameters) need no
    /// second copy in memory. Leftovers of writers killed in the same folder are removed first.
    public static func write(to url: URL, _ produce: (Sink) throws -> Void) throws {
        let folder = url.deletingLastPathComponent()
        TemporaryFile.removeAbandoned(in: folder)
        let (fd, temporary) = try TemporaryFile.create(for: url)
        // The lock on the temporary is held until it has its final name.
        defer { close(fd) }
        do {
            try produce(Sink(fd: fd, destination: url.path))
            guard fsync(fd) == 0 else { throw AtomicFileError.unwritable(file: url.path) }
            guard rename(temporary.path, url.path) == 0 else { throw AtomicFileError.unwritable(file: url.path) }
        } catch {
            unlink(temporary.path)
            throw error
        }
        syncFolder(folder)
    }

    /// Writes all of `bytes` to `fd` (write(2) may take only part of them); errors name `file`.
    static func writeAll(_ bytes: UnsafeRawBufferPointer, to fd: Int32, file: String) throws {
        var written = 0
        while written < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + written, bytes.count - written)
            if n < 0 {
                if errno == EINTR { continue }
                throw AtomicFileError.unwritable(file: file)
            }
            written += n
        }
    }

    /// Makes a rename inside `folder` durable.
    public static func syncFolder(_ folder: URL) {
        let dfd = open(folder.path, O_RDONLY)
        if dfd >= 0 { fsync(dfd); close(dfd) }
    }
}
