import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes a folder so that its final name only ever holds the complete result: it is built under
/// a temporary sibling name, every file and the folder itself are fsynced, and only then is it
/// renamed into place. A crash leaves at most a temporary, which a later write clears away.
enum AtomicFolder {
    /// Names starting with this are never a finished folder.
    static let temporaryPrefix = ".tmp-"

    /// Creates `destination` through `fill`, which writes into the folder it is given. A folder
    /// already at `destination` is replaced.
    static func write(to destination: URL, _ fill: (URL) throws -> Void) throws {
        let parent = destination.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw AtomicFileError.unwritable(file: parent.path, reason: "\(error)")
        }
        removeAbandonedTemporaries(in: parent)
        let temporary = parent.appendingPathComponent("\(temporaryPrefix)\(destination.lastPathComponent)-\(UUID().uuidString)")
        guard mkdir(temporary.path, 0o755) == 0 else { throw AtomicFileError.unwritable(file: temporary.path) }
        // Held until the folder is renamed, so a concurrent cleaner can tell a live writer from a crashed one.
        let lock = open(temporary.path, O_RDONLY | O_DIRECTORY)
        guard lock >= 0, flock(lock, LOCK_EX) == 0 else {
            let failure = AtomicFileError.unwritable(file: temporary.path)
            if lock >= 0 { close(lock) }
            try? FileManager.default.removeItem(at: temporary)
            throw failure
        }
        defer { close(lock) }
        do {
            try fill(temporary)
            try syncContents(of: temporary)
            try moveIntoPlace(temporary, at: destination)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }

    /// Deletes `folder` so that a crash midway never leaves a partial folder under its name.
    static func remove(_ folder: URL) throws {
        let doomed = folder.deletingLastPathComponent()
            .appendingPathComponent("\(temporaryPrefix)removed-\(folder.lastPathComponent)-\(UUID().uuidString)")
        guard rename(folder.path, doomed.path) == 0 else { throw AtomicFileError.unwritable(file: folder.path) }
        AtomicFile.syncFolder(folder.deletingLastPathComponent())
        try? FileManager.default.removeItem(at: doomed)
    }

    private static func moveIntoPlace(_ temporary: URL, at destination: URL) throws {
        let parent = destination.deletingLastPathComponent()
        // Linux cannot rename over a non-empty folder, so the old one is first moved aside; a
        // crash between the two renames loses only the old folder's name, never exposes a partial one.
        var displaced: URL?
        if FileManager.default.fileExists(atPath: destination.path) {
            let aside = parent.appendingPathComponent("\(temporaryPrefix)replaced-\(destination.lastPathComponent)-\(UUID().uuidString)")
            guard rename(destination.path, aside.path) == 0 else { throw AtomicFileError.unwritable(file: destination.path) }
            displaced = aside
        }
        guard rename(temporary.path, destination.path) == 0 else {
            let failure = AtomicFileError.unwritable(file: destination.path)
            if let displaced { rename(displaced.path, destination.path) }
            throw failure
        }
        AtomicFile.syncFolder(parent)
        if let displaced { try? FileManager.default.removeItem(at: displaced) }
    }

    private static func syncContents(of folder: URL) throws {
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else {
            throw AtomicFileError.unwritable(file: folder.path, reason: "cannot list the folder")
        }
        for case let url as URL in walker {
            let fd = open(url.path, O_RDONLY)
            guard fd >= 0 else { throw AtomicFileError.unwritable(file: url.path) }
            defer { close(fd) }
            guard fsync(fd) == 0 else { throw AtomicFileError.unwritable(file: url.path) }
        }
        AtomicFile.syncFolder(folder)
    }

    /// Removes temporaries whose writer is gone: their lock can be taken. Best effort, since a
    /// leftover only costs disk space.
    private static func removeAbandonedTemporaries(in parent: URL) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? []
        for name in names where name.hasPrefix(temporaryPrefix) {
            let path = parent.appendingPathComponent(name).path
            let fd = open(path, O_RDONLY | O_DIRECTORY)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            if flock(fd, LOCK_EX | LOCK_NB) == 0 { try? FileManager.default.removeItem(atPath: path) }
        }
    }
}
