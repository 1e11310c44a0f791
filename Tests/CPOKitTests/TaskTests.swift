import Foundation
import XCTest
@testable import CPOKit

final class TaskTests: XCTestCase {
    private func examples(_ task: some SyntheticTask, seed: UInt64 = 7, count: Int = 200) -> [SyntheticExample] {
        (0..<count).map { task.example(seed: seed, index: $0) }
    }

    private func payload(_ example: SyntheticExample, of task: some SyntheticTask) -> String {
        XCTAssertTrue(example.prompt.hasPrefix("\(task.name): "), example.prompt)
        return String(example.prompt.dropFirst(task.name.count + 2))
    }

    func testRegistryFindsEveryTaskByNameAndRejectsUnknownNames() throws {
        XCTAssertEqual(Set(SyntheticTasks.names), ["sort", "reverse", "add", "copy"])
        for name in SyntheticTasks.names {
            XCTAssertEqual(try SyntheticTasks.named(name).name, name)
        }
        XCTAssertThrowsError(try SyntheticTasks.named("multiply")) { error in
            XCTAssertEqual(error as? DataError, .unknownTask(name: "multiply", known: SyntheticTasks.names))
            for name in SyntheticTasks.names { XCTAssertTrue("\(error)".contains(name), "\(error)") }
        }
    }

    func testExampleDependsOnSeedAndIndexOnly() {
        for task in SyntheticTasks.all {
            let first = examples(task, seed: 7, count: 20)
            XCTAssertEqual(examples(task, seed: 7, count: 20), first, task.name)
            XCTAssertEqual(task.example(seed: 7, index: 13), first[13], task.name)
            XCTAssertGreaterThan(Set(first.map(\.prompt)).count, 15, "\(task.name): examples should differ")
            XCTAssertNotEqual(examples(task, seed: 8, count: 20), first, task.name)
        }
    }

    func testVerifiersAcceptTheAnswerWithTrailingWhitespaceOnly() {
        for task in SyntheticTasks.all {
            for example in examples(task, count: 50) {
                XCTAssertTrue(task.isCorrect(prompt: example.prompt, response: example.response), example.prompt)
                XCTAssertTrue(task.isCorrect(prompt: example.prompt, response: example.response + " \n\t"), example.prompt)
                XCTAssertFalse(task.isCorrect(prompt: example.prompt, response: " " + example.response), example.prompt)
            }
        }
    }

    func testVerifiersRejectEveryCorruptedAnswer() {
        for task in SyntheticTasks.all {
            for example in examples(task, count: 30) {
                let response = Array(example.response)
                var corrupted = [String(response.dropLast()), example.response + "0", example.response + "a", ""]
                for position in response.indices {
                    var changed = response
                    changed[position] = response[position] == "x" ? "y" : "x"
                    corrupted.append(String(changed))
                }
                for wrong in corrupted {
                    XCTAssertFalse(task.isCorrect(prompt: example.prompt, response: wrong), "\(example.prompt) -> \(wrong)")
                }
            }
        }
    }

    func testVerifiersRejectPromptsThatAreNotTheirs() {
        let sort = SortTask(), add = AddTask(), reverse = LettersTask.reverse
        XCTAssertFalse(sort.isCorrect(prompt: "reverse: abc", response: "cba"))
        XCTAssertFalse(sort.isCorrect(prompt: "sort: 3  1", response: "1 3"))
        XCTAssertFalse(sort.isCorrect(prompt: "sort: 03 1", response: "1 3"))
        XCTAssertFalse(sort.isCorrect(prompt: "sort: -3 1", response: "-3 1"))
        XCTAssertFalse(add.isCorrect(prompt: "add: 12 + ", response: "12"))
        XCTAssertFalse(add.isCorrect(prompt: "add: 12 + 3 + 4", response: "19"))
        XCTAssertFalse(add.isCorrect(prompt: "add: 9223372036854775807 + 1", response: "9223372036854775808"))
        XCTAssertFalse(reverse.isCorrect(prompt: "reverse: abC", response: "Cba"))
        XCTAssertFalse(reverse.isCorrect(prompt: "reverse: ", response: ""))
    }

    func testKnownAnswers() {
        XCTAssertEqual(SortTask().answer(to: "sort: 10 9 100 0 9"), "0 9 9 10 100", "numbers sort by value, not as text")
        XCTAssertEqual(AddTask().answer(to: "add: 99999999 + 1"), "100000000")
        XCTAssertEqual(LettersTask.reverse.answer(to: "reverse: abcz"), "zcba")
        XCTAssertEqual(LettersTask.copy.answer(to: "copy: abcz"), "abcz")
    }

    func testSortExamplesAreSortedPermutationsOfSixToTwelveDigits() {
        let lengths = examples(SortTask()).map { example -> Int in
            let numbers = payload(example, of: SortTask()).split(separator: " ").map { Int($0)! }
            let sorted = example.response.split(separator: " ").map { Int($0)! }
            XCTAssertEqual(sorted, numbers.sorted())
            XCTAssertTrue(numbers.allSatisfy { (0...9).contains($0) }, example.prompt)
            return numbers.count
        }
        XCTAssertEqual(lengths.min(), 6)
        XCTAssertEqual(lengths.max(), 12)
    }

    func testLetterExamplesAreTwelveToTwentyFourLettersReversedOrCopied() {
        for task in [LettersTask.reverse, .copy] {
            let lengths = examples(task).map { example -> Int in
                let letters = payload(example, of: task)
                XCTAssertTrue(letters.allSatisfy { ("a"..."z").contains($0) }, example.prompt)
                XCTAssertEqual(example.response, task.operation == .reverse ? String(letters.reversed()) : letters)
                return letters.count
            }
            XCTAssertEqual(lengths.min(), 12, task.name)
            XCTAssertEqual(lengths.max(), 24, task.name)
        }
    }

    func testAddExamplesSumOperandsOfEightToFifteenDigits() {
        // Schoolbook addition on the digit strings, independent of the task's integer arithmetic.
        func digitSum(_ left: String, _ right: String) -> String {
            var result: [Character] = [], carry = 0
            let a = Array(left.reversed()), b = Array(right.reversed())
            for i in 0..<max(a.count, b.count) {
                let total = (i < a.count ? a[i].wholeNumberValue! : 0) + (i < b.count ? b[i].wholeNumberValue! : 0) + carry
                result.append(Character(String(total % 10)))
                carry = total / 10
            }
            if carry > 0 { result.append("1") }
            return String(result.reversed())
        }
        let digitCounts = examples(AddTask()).flatMap { example -> [Int] in
            let operands = payload(example, of: AddTask()).components(separatedBy: " + ")
            XCTAssertEqual(operands.count, 2, example.prompt)
            XCTAssertTrue(operands.allSatisfy { $0.first != "0" && $0.allSatisfy(\.isNumber) }, example.prompt)
            XCTAssertEqual(example.response, digitSum(operands[0], operands[1]), example.prompt)
            return operands.map(\.count)
        }
        XCTAssertEqual(digitCounts.min(), 8)
        XCTAssertEqual(digitCounts.max(), 15)
    }

    func testTemplatedExamplesFitInOneHundredTwentyEightBytes() {
        let tokenizer = ByteTokenizer()
        for task in SyntheticTasks.all {
            let longest = examples(task, count: 500).map { example in
                let text = InstructionText(instruction: example.prompt, response: example.response)
                let encoded = InstructionExample(text: text, line: 1, tokenizer: tokenizer)
                return encoded.promptIDs.count + encoded.responseIDs.count
            }.max()!
            XCTAssertLessThanOrEqual(longest, 128, task.name)
        }
    }

    func testWrittenFileIsReadableInstructionDataAndExampleIDoesNotDependOnTheCount() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("synth-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let task = try SyntheticTasks.named("add")
        let short = folder.appendingPathComponent("short.jsonl"), long = folder.appendingPathComponent("long.jsonl")
        try SyntheticDataFile.write(task, count: 5, seed: 3, to: short)
        try SyntheticDataFile.write(task, count: 12, seed: 3, to: long)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(), ["long.jsonl", "short.jsonl"])

        let tokenizer = ByteTokenizer()
        let shortExamples = try InstructionFile.load(short, tokenizer: tokenizer)
        let longExamples = try InstructionFile.load(long, tokenizer: tokenizer)
        XCTAssertEqual(shortExamples.count, 5)
        XCTAssertEqual(longExamples.count, 12)
        XCTAssertEqual(Array(longExamples.prefix(5)), shortExamples)
        for (index, example) in longExamples.enumerated() {
            XCTAssertEqual(example.line, index + 1)
            let expected = task.example(seed: 3, index: index)
            XCTAssertEqual(example.text, InstructionText(instruction: expected.prompt, response: expected.response))
            XCTAssertTrue(task.isCorrect(prompt: example.text!.instruction, response: example.text!.response))
        }
        XCTAssertThrowsError(try SyntheticDataFile.write(task, count: 0, seed: 3, to: short)) { error in
            guard case .invalidSetting = error as? DataError else { return XCTFail("unexpected error \(error)") }
        }
    }
}
