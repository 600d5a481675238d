import NIOConcurrencyHelpers

/// Open descriptors and their `fstat` results, so a hot file costs no syscall but the send.
///
/// nginx's `open_file_cache` with `open_file_cache_valid 1s`: an entry is trusted for the rest of the
/// second it was checked in, then looked up afresh off the event loop. The lock guards only
/// dictionary operations, never I/O.
final class OpenFileCache: Sendable {
    struct Entry: Sendable {
        var resource: CachedResource
        var checkedAt: Int
    }

    private let entries = NIOLockedValueBox<[String: Entry]>([:])
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// The entry for `relative` if it was checked during second `now`.
    func freshEntry(for relative: String, now: Int) -> CachedResource? {
        self.entries.withLockedValue { entries in
            guard let entry = entries[relative], entry.checkedAt == now else { return nil }
            return entry.resource
        }
    }

    /// Records `file` as checked at `now`.
    func store(_ resource: CachedResource, for relative: String, now: Int) {
        self.entries.withLockedValue { entries in
            if entries.count >= self.capacity, entries[relative] == nil {
                // Drop what has not been checked for a while; if everything is hot, start over.
                entries = entries.filter { now - $0.value.checkedAt < 20 }
                if entries.count >= self.capacity { entries.removeAll(keepingCapacity: true) }
            }
            entries[relative] = Entry(resource: resource, checkedAt: now)
        }
    }

    /// Forgets every file: something on disk changed and which cached paths it touches is not known.
    func removeAll() {
        self.entries.withLockedValue { $0.removeAll(keepingCapacity: true) }
    }

    /// Forgets `relative` (it vanished or changed); in-flight sends keep their descriptor alive.
    func remove(_ relative: String) {
        _ = self.entries.withLockedValue { $0.removeValue(forKey: relative) }
    }
}
