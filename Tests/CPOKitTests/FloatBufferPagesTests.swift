import XCTest
@testable import CPOKit
#if canImport(Glibc)
import Glibc
#endif

/// Pages handed back by `discardPages` read as zero and leave memory; everything else is kept.
final class FloatBufferPagesTests: XCTestCase {
    /// Discards `ranges` of a buffer of ones, checking memory before anything reads the handed-back
    /// pages (a read maps the shared zero page), then the values (compared with memcmp: fast in a
    /// debug build, whatever the size).
    private func check(_ buffer: FloatBuffer, discarding ranges: [Range<Int>], file: StaticString = #filePath, line: UInt = #line) {
        buffer.pointer.update(repeating: 1, count: buffer.count)
        let before = buffer.residentBytes
        XCTAssertEqual(before, (buffer.count * 4 + 4095) / 4096 * 4096, "a filled buffer is all in memory", file: file, line: line)
        for range in ranges { buffer.discardPages(range) }
        let discarded = ranges.reduce(0) { $0 + ($1.count * 4 + 4095) / 4096 * 4096 }
        XCTAssertEqual(buffer.residentBytes, before - discarded, file: file, line: line)
        let zeros = FloatBuffer(count: buffer.count), ones = FloatBuffer(count: buffer.count)
        ones.pointer.update(repeating: 1, count: buffer.count)
        var kept = [0 ..< buffer.count]
        for range in ranges {
            kept = kept.flatMap { [$0.clamped(to: 0 ..< range.lowerBound), $0.clamped(to: range.upperBound ..< buffer.count)] }.filter { !$0.isEmpty }
        }
        for (pieces, expected) in [(ranges, zeros), (kept, ones)] {
            for piece in pieces {
                XCTAssertEqual(memcmp(buffer.pointer + piece.lowerBound, expected.pointer + piece.lowerBound, piece.count * 4), 0,
                               "\(piece) should hold \(expected[0])", file: file, line: line)
            }
        }
        // Written again, the pages come back.
        buffer.pointer.update(repeating: 1, count: buffer.count)
        XCTAssertEqual(buffer.residentBytes, before, file: file, line: line)
    }

    func testSmallPageBackedBufferGivesBackWholePages() {
        let buffer = FloatBuffer(count: 10_000, pageBacked: true)
        XCTAssertEqual(buffer.pageLength, 1024)
        check(buffer, discarding: [1024 ..< 3072, 9216 ..< 10_000])
    }

    /// From 32 MB on a buffer sits on huge pages, and gives them back whole.
    func testHugePageBufferGivesBackWholeHugePages() {
        let buffer = FloatBuffer(count: 9 << 20)
        XCTAssertEqual(buffer.pageLength, 512 << 10)
        check(buffer, discarding: [(512 << 10) ..< (1536 << 10), (9 << 20) - (512 << 10) ..< (9 << 20)])
    }

    func testHeapBufferIsZeroedInstead() {
        let buffer = FloatBuffer(count: 100)
        XCTAssertEqual(buffer.pageLength, 1)
        for i in 0 ..< 100 { buffer[i] = 1 }
        buffer.discardPages(10 ..< 20)
        XCTAssertEqual(buffer.toArray(), (0 ..< 100).map { (10 ..< 20).contains($0) ? 0 : 1 })
        XCTAssertEqual(buffer.residentBytes, 400)
    }
}
