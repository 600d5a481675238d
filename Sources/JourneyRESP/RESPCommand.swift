import NIOCore

/// One command as a client sent it: its name and arguments, each a run of bytes (`SET key value` is three).
public struct RESPCommand: Sendable, Equatable {
    /// The name first, then the arguments.
    public var arguments: [ByteBuffer]

    /// A command of `arguments`.
    public init(arguments: [ByteBuffer]) {
        self.arguments = arguments
    }

    /// A command from words (for tests and code that publishes commands).
    public init(_ words: String...) {
        self.arguments = words.map { ByteBuffer(string: $0) }
    }

    /// The command's name folded to lower case and packed into two words: a table key made without a String
    /// (nil when longer than 15 bytes, which no command's name is).
    var nameKey: RESPCommandName? {
        guard let first = self.arguments.first else { return nil }
        return first.withUnsafeReadableBytes { RESPCommandName($0) }
    }

    /// The argument at `index` as written, for error messages.
    func text(_ index: Int) -> String {
        String(buffer: self.arguments[index])
    }

    /// The argument at `index` upper-cased, for matching options (`EX`, `NX`, …).
    func option(_ index: Int) -> String {
        String(decoding: self.arguments[index].readableBytesView.lazy.map(Self.uppercased), as: UTF8.self)
    }

    /// The argument at `index` as a 64-bit integer, exactly as Redis reads one (`string2ll`): optional minus,
    /// no plus, no spaces, no leading zeros.
    func integer(_ index: Int) -> Int64? {
        Self.integer(self.arguments[index].readableBytesView)
    }

    static func integer(_ bytes: some Collection<UInt8>) -> Int64? {
        guard !bytes.isEmpty, bytes.count <= 20 else { return nil }
        var iterator = bytes.makeIterator()
        var first = iterator.next()!
        let negative = first == UInt8(ascii: "-")
        if negative {
            guard let next = iterator.next() else { return nil }
            first = next
        }
        if first == UInt8(ascii: "0") {
            // "0" alone; "-0" and "01" are not integers to Redis.
            return !negative && bytes.count == 1 ? 0 : nil
        }
        guard (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(first) else { return nil }
        var magnitude = UInt64(first - UInt8(ascii: "0"))
        while let byte = iterator.next() {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { return nil }
            magnitude = sum
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    static func lowercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
    }

    private static func uppercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) ? byte & ~0x20 : byte
    }
}
