import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A file that could not be written; nothing was left at its destination.
public struct AtomicFileError: Error, CustomStringConvertible {
    public let file: String
    public let reason: String
    static func unwritable(file: String, reason: String) -> AtomicFileError { AtomicFileError(file: file, reason: reason) }
    public var description: String { "\(file): cannot write: \(reason)" }
}

/// Writes files so that a reader (or a later `--resume`) sees either the old content or the new
/// one, never a half-written file: write to a temporary name, fsync, rename, fsync the folder.
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL) throws {
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw AtomicFileError.unwritable(file: url.path, reason: String(cString: strerror(errno))) }
        var failure: String?
        data.withUnsafeBytes { raw in
            var written = 0
            while written < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno)); return
                }
                written += n
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        close(fd)
        if let failure {
            unlink(temporary.path)
            throw AtomicFileError.unwritable(file: url.path, reason: failure)
        }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary.path)
            throw AtomicFileError.unwritable(file: url.path, reason: reason)
        }
        syncFolder(folder)
    }

    /// Makes a rename inside `folder` durable.
    public static func syncFolder(_ folder: URL) {
        let dfd = open(folder.path, O_RDONLY)
        if dfd >= 0 { fsync(dfd); close(dfd) }
    }
}
