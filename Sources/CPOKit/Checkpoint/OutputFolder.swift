import Foundation

/// A folder a command writes into (`--out`), made with its parents where missing. A file where
/// the folder or one of its parents should be is an error naming that file, checked before any
/// work starts (Foundation's own error names neither the file nor what is wrong with it).
public enum OutputFolder {
    /// Throws unless `url` is a folder or could be made one; creates nothing.
    public static func check(_ url: URL) throws {
        var current = url.standardizedFileURL
        while true {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: current.path, isDirectory: &isFolder) {
                guard isFolder.boolValue else {
                    let what = current == url.standardizedFileURL ? "a folder is needed here" : "it would have to be a folder to hold \(url.path)"
                    throw AtomicFileError(file: current.path, reason: "is a file, but \(what)")
                }
                return
            }
            let parent = current.deletingLastPathComponent()
            if parent.path == current.path { return }
            current = parent
        }
    }

    /// Makes `url` (and its parents) a folder unless it is one.
    public static func create(_ url: URL) throws {
        try check(url)
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw AtomicFileError(file: url.path, reason: "cannot create the folder: \((error as NSError).localizedDescription)")
        }
    }
}
