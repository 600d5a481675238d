import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A key of the keyspace: its bytes, either its own (stored, one allocation) or a slice of the read buffer
/// (a lookup, no allocation). Equal and hashed by bytes whichever it is.
enum RESPKey: Hashable {
    /// Bytes of its own, for storing.
    case owned([UInt8])
    /// A command's argument, for looking up.
    case borrowed(ByteBuffer)

    /// The stored form of `bytes`.
    init(copying bytes: ByteBuffer) {
        self = .owned(Array(buffer: bytes))
    }

    func withBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        switch self {
        case .owned(let bytes): bytes.withUnsafeBytes(body)
        case .borrowed(let buffer): buffer.withUnsafeReadableBytes(body)
        }
    }

    static func == (left: RESPKey, right: RESPKey) -> Bool {
        left.withBytes { leftBytes in
            right.withBytes { rightBytes in
                leftBytes.count == rightBytes.count
                    && (leftBytes.isEmpty
                        || memcmp(leftBytes.baseAddress!, rightBytes.baseAddress!, leftBytes.count) == 0)
            }
        }
    }

    func hash(into hasher: inout Hasher) {
        self.withBytes { hasher.combine(bytes: $0) }
    }
}
