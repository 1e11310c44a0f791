import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The temporary file an atomic write fills before renaming it over its destination:
/// `.NAME.tmp-XXXXXX` beside it, the six characters random, created with O_CREAT | O_EXCL
/// (mkstemp), so it is never an existing file or a symlink planted there to redirect the write.
///
/// A writer holds an exclusive flock on its temporary until the rename is done. A killed writer's
/// lock goes with it, so the next write into the folder can tell its leftover from a live write
/// and remove it; only regular files of exactly this name pattern are touched.
enum TemporaryFile {
    static let marker = ".tmp-"
    /// The random part mkstemp fills in: six of [A-Za-z0-9].
    private static let randomLength = 6

    /// Creates, opens and locks a new temporary for `destination`; the caller closes `fd` (which
    /// releases the lock) once the temporary is renamed or removed.
    static func create(for destination: URL) throws -> (fd: Int32, url: URL) {
        let folder = destination.deletingLastPathComponent()
        while true {
            var template = Array(folder.appendingPathComponent(".\(destination.lastPathComponent)\(marker)XXXXXX").path.utf8CString)
            let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            guard fd >= 0 else { throw AtomicFileError.unwritable(file: destination.path) }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            let url = URL(fileURLWithPath: String(cString: template))
            var status = stat()
            guard flock(fd, LOCK_EX) == 0, fstat(fd, &status) == 0 else {
                let failure = AtomicFileError.unwritable(file: destination.path)
                close(fd)
                unlink(url.path)
                throw failure
            }
            // A cleaner that opened the name before the lock was taken may have removed it: start again.
            if status.st_nlink == 0 {
                close(fd)
                continue
            }
            // mkstemp makes the file 0600; give it the mode a plain open(0644) would have.
            fchmod(fd, 0o644 & ~currentUmask)
            return (fd, url)
        }
    }

    /// Whether `name` has the pattern `create` gives: `.`, the destination's name, `.tmp-`, six
    /// letters or digits.
    static func isTemporaryName(_ name: String) -> Bool {
        let scalars = Array(name.unicodeScalars)
        let suffix = scalars.suffix(randomLength), head = scalars.dropLast(randomLength)
        return scalars.first == "." && head.count > marker.count + 1 && String(String.UnicodeScalarView(head)).hasSuffix(marker)
            && suffix.count == randomLength && suffix.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) }
    }

    /// Removes the temporaries in `folder` whose writer is gone (their lock can be taken). Best
    /// effort: a leftover only costs disk space.
    static func removeAbandoned(in folder: URL) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return }
        for name in names where isTemporaryName(name) {
            let path = folder.appendingPathComponent(name).path
            let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            var held = stat(), named = stat()
            guard fstat(fd, &held) == 0, held.st_mode & S_IFMT == S_IFREG, flock(fd, LOCK_EX | LOCK_NB) == 0 else { continue }
            // The name may have been renamed to its destination meanwhile (the writer finished).
            guard lstat(path, &named) == 0, named.st_ino == held.st_ino, named.st_dev == held.st_dev else { continue }
            unlink(path)
        }
    }

    /// The process's umask, read without changing it (umask(2) can only set it, which would race
    /// with files other threads create meanwhile).
    private static let currentUmask: mode_t = {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Umask:") }),
              let mask = mode_t(line.dropFirst("Umask:".count).trimmingCharacters(in: .whitespaces), radix: 8) else { return 0o022 }
        return mask
    }()
}
