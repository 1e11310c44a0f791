/// The element types collectives move, named independently of any transport.
public enum CommunicatorElementType: Sendable {
    case float, double, int32, int64, uint8
}

/// A plain value type a communicator can sum, gather and broadcast; bitwise copyable, so
/// receive buffers can be left uninitialised until the transport fills them.
public protocol CommunicatorElement: BitwiseCopyable {
    static var communicatorType: CommunicatorElementType { get }
}

extension Float: CommunicatorElement { public static var communicatorType: CommunicatorElementType { .float } }
extension Double: CommunicatorElement { public static var communicatorType: CommunicatorElementType { .double } }
extension Int32: CommunicatorElement { public static var communicatorType: CommunicatorElementType { .int32 } }
extension Int64: CommunicatorElement { public static var communicatorType: CommunicatorElementType { .int64 } }
extension UInt8: CommunicatorElement { public static var communicatorType: CommunicatorElementType { .uint8 } }
