/// `Range: bytes=…` (RFC 9110 §14): parsed against a representation's length into absolute ranges.
public enum ByteRange {
    /// The most ranges one request may ask for (after merging); beyond it the Range field is ignored
    /// and the whole representation is sent, which §14.2 allows and which defeats range amplification.
    public static let maximumCount = 100

    /// What a Range field asks for, once the representation's length is known.
    public enum Selection: Hashable, Sendable {
        /// No usable Range field (absent, another unit, malformed, too many ranges): send 200 whole.
        case whole
        /// One or more satisfiable ranges, sorted, overlapping and adjacent ones merged.
        case ranges([Range<Int>])
        /// None of the ranges overlap the representation: 416 with `Content-Range: bytes */length`.
        case unsatisfiable
    }

    /// Parses `value` for a representation of `length` bytes.
    public static func select(_ value: some StringProtocol, length: Int) -> Selection {
        let trimmed = value.trimmingSpaces
        guard trimmed.count > 6, trimmed.prefix(6).lowercased() == "bytes=" else { return .whole }
        var ranges: [Range<Int>] = []
        var sawAny = false
        for spec in trimmed.dropFirst(6).split(separator: ",", omittingEmptySubsequences: false) {
            let spec = spec.trimmingSpaces
            if spec.isEmpty { continue }  // `bytes=0-1,,2-3`: empty list elements are allowed (§5.6.1)
            guard let dash = spec.firstIndex(of: "-") else { return .whole }
            let firstText = spec[..<dash]
            let lastText = spec[spec.index(after: dash)...]
            sawAny = true
            if firstText.isEmpty {
                // suffix-range: the last N bytes; `bytes=-0` is valid syntax but selects nothing.
                guard let suffix = Self.number(lastText) else { return .whole }
                if suffix > 0 && length > 0 {
                    ranges.append(max(0, length - suffix)..<length)
                }
            } else {
                guard let first = Self.number(firstText) else { return .whole }
                var end = length
                if !lastText.isEmpty {
                    guard let last = Self.number(lastText), last >= first else { return .whole }
                    // `last` may be beyond the end: clamp (§14.1.2); saturate instead of overflowing.
                    end = last < length ? last + 1 : length
                }
                if first < length {
                    ranges.append(first..<end)
                }
            }
        }
        guard sawAny else { return .whole }
        if ranges.isEmpty { return .unsatisfiable }
        let merged = Self.merge(ranges)
        return merged.count > Self.maximumCount ? .whole : .ranges(merged)
    }

    /// Sorts and merges overlapping and adjacent ranges (§14.2 allows coalescing; it stops
    /// `bytes=0-,0-,0-…` from multiplying the response).
    static func merge(_ ranges: [Range<Int>]) -> [Range<Int>] {
        guard ranges.count > 1 else { return ranges }
        let sorted = ranges.sorted { $0.lowerBound < $1.lowerBound }
        var merged: [Range<Int>] = []
        for range in sorted {
            if let last = merged.last, range.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        return merged
    }

    /// A non-negative decimal that fits in an Int; digits only (no sign, no spaces inside).
    private static func number(_ text: some StringProtocol) -> Int? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        // An overflowing number is still a valid number: it lies beyond any file, so saturate.
        return Int(text) ?? Int.max
    }
}
