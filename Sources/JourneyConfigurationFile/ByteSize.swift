import Yams

/// Sizes as nginx writes them: bytes, or a number with `k`, `m` or `g` (`KiB`, `MiB`, `GiB` too), powers of 1024.
enum ByteSize {
    private static let units: [(suffix: String, factor: Int)] = [
        ("kib", 1 << 10), ("mib", 1 << 20), ("gib", 1 << 30), ("k", 1 << 10), ("m", 1 << 20), ("g", 1 << 30),
    ]

    /// The bytes `text` names; nil for anything else (a fraction of a byte, a negative size, `10 MB`).
    static func bytes(_ text: String) -> Int? {
        let lowered = text.lowercased()
        for (suffix, factor) in Self.units where lowered.hasSuffix(suffix) {
            guard let number = Int(lowered.dropLast(suffix.count)), number >= 0 else { return nil }
            let (product, overflow) = number.multipliedReportingOverflow(by: factor)
            return overflow ? nil : product
        }
        guard let number = Int(text), number >= 0 else { return nil }
        return number
    }

    /// The shortest exact way to write `bytes` (`1MiB`, `65KiB`, `1000`).
    static func text(for bytes: Int) -> Node {
        for (suffix, factor) in [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
        where bytes != 0 && bytes % factor == 0 {
            return Node("\(bytes / factor)\(suffix)")
        }
        return Node(String(bytes))
    }
}
