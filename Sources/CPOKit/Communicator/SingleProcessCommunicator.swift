import Foundation

/// A world of one rank: sums and broadcasts leave data as it is, gathers copy.
public final class SingleProcessCommunicator: Communicator {
    public init() {}

    public var rank: Int { 0 }
    public var size: Int { 1 }

    public func allReduceSum<Element: CommunicatorElement>(_ buffer: UnsafeMutableBufferPointer<Element>) throws {}

    public func allGather<Element: CommunicatorElement>(_ local: UnsafeBufferPointer<Element>,
                                                        into gathered: UnsafeMutableBufferPointer<Element>) throws {
        try allGather(local, counts: [local.count], into: gathered)
    }

    public func allGather<Element: CommunicatorElement>(_ local: UnsafeBufferPointer<Element>, counts: [Int],
                                                        into gathered: UnsafeMutableBufferPointer<Element>) throws {
        precondition(counts == [local.count] && gathered.count == local.count, "gather counts do not match a world of one")
        if let source = local.baseAddress { gathered.baseAddress!.update(from: source, count: local.count) }
    }

    public func allGatherInPlace<Element: CommunicatorElement>(_ buffer: UnsafeMutableBufferPointer<Element>, counts: [Int]) throws {
        precondition(counts == [buffer.count], "gather counts do not match a world of one")
    }

    public func reduceScatterSum<Element: CommunicatorElement>(_ send: UnsafeBufferPointer<Element>, counts: [Int],
                                                               into received: UnsafeMutableBufferPointer<Element>) throws {
        precondition(counts == [send.count] && received.count == send.count, "reduce-scatter counts do not match a world of one")
        if let source = send.baseAddress { received.baseAddress!.update(from: source, count: send.count) }
    }

    public func gather<Element: CommunicatorElement>(_ local: UnsafeBufferPointer<Element>, counts: [Int],
                                                     into gathered: UnsafeMutableBufferPointer<Element>, root: Int) throws {
        precondition(root == 0, "gather root \(root) is not a rank of a world of one")
        try allGather(local, counts: counts, into: gathered)
    }

    public func broadcast<Element: CommunicatorElement>(_ buffer: UnsafeMutableBufferPointer<Element>, root: Int) throws {
        precondition(root == 0, "broadcast root \(root) is not a rank of a world of one")
    }

    public func barrier() throws {}

    public func split(color: Int, key: Int) throws -> any Communicator {
        precondition(color >= 0, "split color must be non-negative")
        return SingleProcessCommunicator()
    }

    public func splitByNode() throws -> any Communicator { SingleProcessCommunicator() }

    public func abort(code: Int32, message: String) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(code)
    }
}
