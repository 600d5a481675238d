/// A command's name, case folded, in two machine words: the command table's key, compared and hashed
/// without making a String for every command.
struct RESPCommandName: Hashable, Sendable {
    private var low: UInt64 = 0
    private var high: UInt64 = 0

    /// The key of `bytes` (a name as a client sent it, in any case); nil when longer than 15 bytes (the top byte
    /// holds the length).
    init?(_ bytes: some Collection<UInt8>) {
        guard bytes.count <= 15 else { return nil }
        for (index, byte) in bytes.enumerated() {
            let folded = UInt64(RESPCommand.lowercased(byte)) << (8 * UInt64(index % 8))
            if index < 8 { self.low |= folded } else { self.high |= folded }
        }
        // The length tells "a" from "a\0".
        self.high |= UInt64(bytes.count) << 59
    }
}
