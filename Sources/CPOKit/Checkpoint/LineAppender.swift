import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Appends whole lines to a JSONL file (`metrics.jsonl`, the verdict cache): a line is in the file
/// completely or not at all. A write that fails midway (a full disk takes what fits) is cut back
/// to where the line began, so the file never ends in half a line that a later append would run on
/// from. Only a crash during the write can leave one, which the readers of these files drop.
final class LineAppender {
    let url: URL
    private let fd: Int32

    /// Opens `url` for appending, creating it if it does not exist.
    init(url: URL) throws {
        self.url = url
        fd = open(url.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw AtomicFileError.unwritable(file: url.path) }
    }

    deinit { close(fd) }

    /// Appends `line` and a line end.
    func append(_ line: Data) throws {
        var bytes = line
        bytes.append(0x0A)
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw AtomicFileError.unwritable(file: url.path) }
        let start = status.st_size
        do {
            try bytes.withUnsafeBytes { try AtomicFile.writeAll($0, to: fd, file: url.path) }
        } catch {
            ftruncate(fd, start)
            throw error
        }
    }
}
