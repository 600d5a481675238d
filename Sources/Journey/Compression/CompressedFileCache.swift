import NIOConcurrencyHelpers
import NIOCore

/// Compressed forms of files by ETag and coding, within a byte budget: a hot file is compressed once, however many
/// clients ask for it. The least recently used go first when the budget is spent. Shared by the event loops under a
/// lock held for a look-up, never across I/O or compression.
final class CompressedFileCache: Sendable {
    private struct State {
        var entries: [String: (body: ByteBuffer, used: UInt64)] = [:]
        var bytes = 0
        var clock: UInt64 = 0
    }

    private let budget: Int
    private let state = NIOLockedValueBox(State())

    init(budget: Int) {
        self.budget = budget
    }

    /// The compressed form kept for `key`, if any.
    func body(for key: String) -> ByteBuffer? {
        self.state.withLockedValue { state in
            guard let entry = state.entries[key] else { return nil }
            state.clock &+= 1
            state.entries[key] = (entry.body, state.clock)
            return entry.body
        }
    }

    /// Keeps `body` for `key`, letting the least recently used go to stay within the budget.
    func keep(_ body: ByteBuffer, for key: String) {
        guard body.readableBytes <= self.budget / 4 else { return }
        self.state.withLockedValue { state in
            state.clock &+= 1
            if let old = state.entries.updateValue((body, state.clock), forKey: key) {
                state.bytes -= old.body.readableBytes
            }
            state.bytes += body.readableBytes
            while state.bytes > self.budget, let oldest = state.entries.min(by: { $0.value.used < $1.value.used }) {
                state.entries[oldest.key] = nil
                state.bytes -= oldest.value.body.readableBytes
            }
        }
    }

    /// How many bytes are kept now.
    var keptBytes: Int { self.state.withLockedValue { $0.bytes } }
}
