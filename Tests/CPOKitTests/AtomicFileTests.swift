import XCTest
@testable import CPOKit
#if canImport(Glibc)
import Glibc
#endif

/// The temporaries of atomic writes: unpredictable names, created exclusively (never through a
/// symlink), removed when the write fails, and cleared by the next write once their writer is gone.
final class AtomicFileTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    private func names() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() }

    private func write(_ text: String, to name: String) throws {
        try AtomicFile.write(Data(text.utf8), to: folder.appendingPathComponent(name))
    }

    func testTemporariesHaveUnpredictableNamesAndThePlainFileMode() throws {
        let destination = folder.appendingPathComponent("out.jsonl")
        var seen: [String] = []
        for _ in 0..<2 {
            try AtomicFile.write(to: destination) { sink in
                seen += try names().filter { $0 != "out.jsonl" }
                try sink.append(Data("x".utf8))
            }
        }
        XCTAssertEqual(seen.count, 2)
        XCTAssertNotEqual(seen[0], seen[1])
        XCTAssertTrue(seen.allSatisfy { $0.hasPrefix(".out.jsonl.tmp-") && $0.count == ".out.jsonl.tmp-".count + 6 }, "\(seen)")
        XCTAssertFalse(seen.contains(".out.jsonl.tmp-\(getpid())"), "not the writer's pid, which anyone can guess")
        XCTAssertEqual(try names(), ["out.jsonl"])
        let mode = try FileManager.default.attributesOfItem(atPath: destination.path)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o644 & ~Int(umaskForTest()), "what open(2) with 0644 gives")
    }

    private func umaskForTest() -> mode_t {
        let mask = umask(0o022)
        umask(mask)
        return mask
    }

    func testAPlantedSymlinkIsNeverWrittenThrough() throws {
        let victim = folder.appendingPathComponent("victim")
        try Data("precious".utf8).write(to: victim)
        // The names an attacker could predict: the old scheme's, for this process.
        for name in [".out.jsonl.tmp-\(getpid())", ".out.jsonl.tmp-XXXXXX"] {
            try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent(name), withDestinationURL: victim)
        }
        try write("new", to: "out.jsonl")
        XCTAssertEqual(try String(contentsOf: victim, encoding: .utf8), "precious")
        XCTAssertEqual(try String(contentsOf: folder.appendingPathComponent("out.jsonl"), encoding: .utf8), "new")
    }

    func testTheTemporaryIsRemovedWhenTheWriteFails() throws {
        struct Refused: Error {}
        XCTAssertThrowsError(try AtomicFile.write(to: folder.appendingPathComponent("a")) { sink in
            try sink.append(Data("part".utf8))
            throw Refused()
        })
        // A folder where the file should go: the rename fails.
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("b"), withIntermediateDirectories: false)
        XCTAssertTrue(FileManager.default.createFile(atPath: folder.appendingPathComponent("b/inside").path, contents: nil))
        XCTAssertThrowsError(try write("x", to: "b")) { error in
            XCTAssertTrue("\(error)".hasPrefix(self.folder.appendingPathComponent("b").path + ": cannot write: "), "\(error)")
        }
        XCTAssertEqual(try names(), ["b"])
    }

    func testTheNextWriteRemovesLeftoversOfKilledWritersOnly() throws {
        let create = { (name: String) in
            XCTAssertTrue(FileManager.default.createFile(atPath: self.folder.appendingPathComponent(name).path, contents: Data("x".utf8)), name)
        }
        // A killed writer's leftovers: nobody holds their lock.
        create(".model.safetensors.tmp-a1B2c3")
        create(".out.jsonl.tmp-ZZZZZZ")
        // A live writer's: its lock is held.
        create(".config.json.tmp-L1veL1")
        let live = open(folder.appendingPathComponent(".config.json.tmp-L1veL1").path, O_RDONLY)
        XCTAssertEqual(flock(live, LOCK_EX), 0)
        defer { close(live) }
        // Not this project's: other patterns, a folder and a symlink of the pattern are left alone.
        let others = [".out.jsonl.tmp-12345", ".out.jsonl.tmp-1234567", "out.jsonl.tmp-abcdef", ".tmp-abcdef", ".x.tmp-ab_def", "notes.txt"]
        for name in others { create(name) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent(".dir.tmp-abcdef"), withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent(".link.tmp-abcdef"),
                                                   withDestinationURL: folder.appendingPathComponent("notes.txt"))

        try write("new", to: "out.jsonl")
        XCTAssertEqual(try names(), ([".config.json.tmp-L1veL1", ".dir.tmp-abcdef", ".link.tmp-abcdef", "out.jsonl"] + others).sorted())
        XCTAssertEqual(try String(contentsOf: folder.appendingPathComponent("notes.txt"), encoding: .utf8), "x")
    }

    func testTemporaryNamePattern() {
        for name in [".a.tmp-abcdef", ".model.safetensors.tmp-0Zz9aA"] { XCTAssertTrue(TemporaryFile.isTemporaryName(name), name) }
        for name in [".tmp-abcdef", "a.tmp-abcdef", ".a.tmp-abcde", ".a.tmp-abcdefg", ".a.tmp-abcdé1", ".a.tmp-abc-ef", ".a.tmp-"] {
            XCTAssertFalse(TemporaryFile.isTemporaryName(name), name)
        }
    }
}
