import NIOConcurrencyHelpers
import NIOCore

/// The keys and values of a RESP listener, shared by every connection on every event loop.
///
/// The keys are spread over shards by a hash of their bytes, each shard behind its own lock, held only
/// for the lookup (never across I/O): two loops contend only when they touch the same shard at the same
/// instant, and nothing on the hot path is global. Keys and values are copied out of the read buffer (one
/// allocation each; a key already stored is kept), so a stored value never pins a 64 KiB read.
///
/// Expiry is Redis's: a key past its deadline is gone when next touched, and every write also checks a
/// couple of the shard's keys that have deadlines, so keys nobody reads again are reclaimed as writes go on.
public final class RESPKeyspace: Sendable {
    /// A stored value and its deadline.
    struct Entry {
        /// The value (strings only, so far), in one allocation of its own (not a slice of a read buffer, which
        /// it would keep alive).
        var value: [UInt8]
        /// Milliseconds on the monotonic clock (`RESPKeyspace.now()`) when the key expires; 0: never.
        var expiresAt: Int64 = 0

        /// Makes `bytes` the value, in the storage the value has when it is not shared and large enough
        /// (a SET over a key is then no allocation), and not much too large (a key that once held a large
        /// value does not keep its memory).
        mutating func replaceValue(with bytes: ByteBuffer) {
            let capacity = self.value.capacity
            guard bytes.readableBytes <= capacity, capacity <= max(64, bytes.readableBytes * 2) else {
                self.value = Array(buffer: bytes)
                return
            }
            let count = bytes.readableBytes
            if self.value.count > count {
                self.value.removeLast(self.value.count - count)
            } else if self.value.count < count {
                self.value.append(contentsOf: repeatElement(0, count: count - self.value.count))
            }
            self.value.withUnsafeMutableBytes { value in
                bytes.withUnsafeReadableBytes { value.copyMemory(from: $0) }
            }
        }

        func isExpired(at now: Int64) -> Bool { self.expiresAt != 0 && self.expiresAt <= now }
    }

    private struct Shard {
        var entries: [RESPKey: Entry] = [:]
        /// Keys given a deadline, checked a few per write (stale ones drop out when checked).
        var deadlines: [RESPKey] = []
        var nextDeadline = 0

        /// Removes expired keys among the next `budget` of `deadlines`.
        mutating func sweep(budget: Int) {
            guard !self.deadlines.isEmpty else { return }
            let now = RESPKeyspace.now()
            for _ in 0..<budget {
                if self.nextDeadline >= self.deadlines.count { self.nextDeadline = 0 }
                guard self.nextDeadline < self.deadlines.count else { return }
                let key = self.deadlines[self.nextDeadline]
                let expiresAt = self.entries[key]?.expiresAt ?? 0
                if expiresAt == 0 || expiresAt <= now {
                    if expiresAt != 0 { self.entries[key] = nil }
                    self.deadlines.swapAt(self.nextDeadline, self.deadlines.count - 1)
                    self.deadlines.removeLast()
                } else {
                    self.nextDeadline += 1
                }
            }
        }
    }

    private let shards: [NIOLockedValueBox<Shard>]

    /// An empty keyspace of `shardCount` shards.
    public init(shardCount: Int = 64) {
        self.shards = (0..<max(1, shardCount)).map { _ in NIOLockedValueBox(Shard()) }
    }

    /// Milliseconds on the monotonic clock: what deadlines are measured in.
    static func now() -> Int64 {
        Int64(NIODeadline.now().uptimeNanoseconds / 1_000_000)
    }

    /// Reads the live entry of `key` (nil when missing or expired).
    func read<Result>(_ key: ByteBuffer, _ body: (Entry?) -> Result) -> Result {
        self.shard(of: key).withLockedValue { shard in
            guard let index = shard.entries.index(forKey: .borrowed(key)) else { return body(nil) }
            let entry = shard.entries.values[index]
            if entry.expiresAt != 0, entry.isExpired(at: Self.now()) {
                shard.entries.remove(at: index)
                return body(nil)
            }
            return body(entry)
        }
    }

    /// Changes the entry of `key` in place: `body` gets the live entry (nil when missing or expired) and may
    /// set, change or remove it, under the shard's lock. A key already stored is not copied again, nor is a
    /// value `body` changes in place.
    func write<Result>(_ key: ByteBuffer, _ body: (inout Entry?) -> Result) -> Result {
        self.shard(of: key).withLockedValue { shard in
            var gainedDeadline = false
            let result: Result
            let stored: RESPKey
            if let index = shard.entries.index(forKey: .borrowed(key)) {
                stored = shard.entries.keys[index]
                // Moved out, not copied: a value changed in place (a SET over a value that fits) is then
                // the only reference to its storage, and is not copied first.
                var entry: Entry? = Entry(value: [])
                swap(&entry!, &shard.entries.values[index])
                result = Self.access(&entry, body, gainedDeadline: &gainedDeadline)
                if let entry {
                    shard.entries.values[index] = entry
                } else {
                    shard.entries.remove(at: index)
                }
            } else {
                stored = RESPKey(copying: key)
                var entry: Entry?
                result = Self.access(&entry, body, gainedDeadline: &gainedDeadline)
                if let entry { shard.entries[stored] = entry }
            }
            if gainedDeadline { shard.deadlines.append(stored) }
            shard.sweep(budget: 2)
            return result
        }
    }

    /// Removes `key`; whether it was there (and live).
    func remove(_ key: ByteBuffer) -> Bool {
        self.shard(of: key).withLockedValue { shard in
            guard let entry = shard.entries.removeValue(forKey: .borrowed(key)) else { return false }
            return !entry.isExpired(at: entry.expiresAt == 0 ? 0 : Self.now())
        }
    }

    /// How many keys there are (those expired but not yet reclaimed included, as Redis's DBSIZE counts).
    public var count: Int {
        self.shards.reduce(0) { total, shard in total + shard.withLockedValue { $0.entries.count } }
    }

    /// Removes every key.
    public func removeAll() {
        for shard in self.shards { shard.withLockedValue { $0 = Shard() } }
    }

    private static func access<Result>(
        _ entry: inout Entry?,
        _ body: (inout Entry?) -> Result,
        gainedDeadline: inout Bool
    ) -> Result {
        if let expiresAt = entry?.expiresAt, expiresAt != 0, expiresAt <= Self.now() { entry = nil }
        let hadDeadline = entry.map { $0.expiresAt != 0 } ?? false
        let result = body(&entry)
        if !hadDeadline, let expiresAt = entry?.expiresAt, expiresAt != 0 { gainedDeadline = true }
        return result
    }

    private func shard(of key: ByteBuffer) -> NIOLockedValueBox<Shard> {
        // A multiply-xor over the key's bytes, eight at a time: cheap, and independent of the dictionary's own
        // (seeded) hash, so a shard's keys still spread over its table.
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(key.readableBytes)
        key.withUnsafeReadableBytes { bytes in
            var offset = 0
            while offset + 8 <= bytes.count {
                hash = (hash ^ bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
                offset += 8
            }
            while offset < bytes.count {
                hash = (hash ^ UInt64(bytes[offset])) &* 0x1000_0000_01B3
                offset += 1
            }
        }
        hash ^= hash >> 29
        return self.shards[Int(hash % UInt64(self.shards.count))]
    }
}
