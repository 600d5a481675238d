#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A site's rule paths laid out for the fast path, which asks of every hot GET whether any rule wants it: every
/// literal in one byte array, each rule a plain record, so the check compares bytes and retains nothing. Only a
/// regular expression whose literal start matches runs (`PathPattern.matches`).
struct RulePaths: Sendable {
    /// How a rule's literal is compared with a path.
    enum Kind: Sendable {
        /// The path starts with it.
        case prefix
        /// The path is it.
        case exact
        /// The path starts with it, then the expression decides.
        case expression
    }

    private struct Entry: Sendable {
        var kind: Kind
        var start: Int
        var count: Int
        var rule: Int
    }

    private let bytes: [UInt8]
    private let entries: [Entry]
    private let patterns: [PathPattern]

    init(_ patterns: [PathPattern]) {
        var bytes: [UInt8] = []
        var entries: [Entry] = []
        for (index, pattern) in patterns.enumerated() {
            let (text, kind) = pattern.literal
            entries.append(Entry(kind: kind, start: bytes.count, count: text.utf8.count, rule: index))
            bytes.append(contentsOf: text.utf8)
        }
        self.bytes = bytes
        self.entries = entries
        self.patterns = patterns
    }

    /// Whether any rule matches `path`.
    func anyMatches(_ path: Substring) -> Bool {
        if let found = path.utf8.withContiguousStorageIfAvailable({ self.anyMatches(UnsafeRawBufferPointer($0), path) })
        {
            return found
        }
        return self.patterns.contains { $0.matches(path) }
    }

    private func anyMatches(_ candidate: UnsafeRawBufferPointer, _ path: Substring) -> Bool {
        self.bytes.withUnsafeBytes { literals in
            self.entries.withUnsafeBufferPointer { entries in
                for entry in entries {
                    // An exact path must be as long as the literal; the others at least as long.
                    let fits = entry.kind == .exact ? candidate.count == entry.count : candidate.count >= entry.count
                    guard fits else { continue }
                    if entry.count > 0,
                        memcmp(candidate.baseAddress!, literals.baseAddress! + entry.start, entry.count) != 0
                    {
                        continue
                    }
                    if entry.kind != .expression || self.patterns[entry.rule].matches(path) { return true }
                }
                return false
            }
        }
    }
}
