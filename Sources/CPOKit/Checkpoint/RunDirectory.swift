import Foundation

/// A training run's `--out`: it holds one run, so a second run never mixes its metrics and
/// checkpoints with an earlier one's, and `--resume` never continues someone else's.
public enum RunDirectory {
    /// Throws unless `url` is new or empty, or `resume` (continue the run it holds); with `overwrite`,
    /// empties it first. Every rank checks before rank 0 empties it.
    public static func claim(_ url: URL, resume: Bool, overwrite: Bool, communicator: any Communicator) throws {
        precondition(!(resume && overwrite), "--resume continues the run that --overwrite would remove")
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: url.path))?.sorted() ?? []
        guard !entries.isEmpty, !resume else { return }
        guard overwrite else {
            let shown = entries.prefix(4).joined(separator: ", ") + (entries.count > 4 ? ", …" : "")
            throw OptionError(option: "out", value: url.path,
                              allowed: "a new or empty folder, but it holds another run (\(shown)): --resume continues that run, --overwrite replaces it")
        }
        try communicator.barrier()
        if communicator.rank == 0 {
            for name in entries {
                let entry = url.appendingPathComponent(name)
                do { try FileManager.default.removeItem(at: entry) } catch {
                    throw AtomicFileError(file: entry.path, reason: "cannot remove it to --overwrite the run: \((error as NSError).localizedDescription)")
                }
            }
        }
        try communicator.barrier()
    }
}
