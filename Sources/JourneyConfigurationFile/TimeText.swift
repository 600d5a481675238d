/// Durations as nginx writes them: seconds as a bare number, or a number with `ms`, `s`, `m`, `h` or `d`.
enum TimeText {
    private static let units: [(suffix: String, nanoseconds: Double)] = [
        ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9), ("d", 86400e9),
    ]

    /// The duration `text` names (`30s`, `500ms`, `1.5m`, `10`); nil for anything else, negative times included.
    static func duration(_ text: String) -> Duration? {
        var number = Substring(text)
        var factor = 1e9
        for unit in Self.units where text.hasSuffix(unit.suffix) {
            // "ms" ends in "s" too: the longer suffix is listed first and wins.
            number = text.dropLast(unit.suffix.count)
            factor = unit.nanoseconds
            break
        }
        guard let value = Double(number), value.isFinite, value >= 0, value * factor < 1e18 else { return nil }
        return .nanoseconds(Int64((value * factor).rounded()))
    }

    /// The shortest exact way to write `duration` in the largest unit that divides it (`30s`, `2m`, `250ms`).
    static func text(for duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let nanoseconds = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        for (suffix, size) in [("d", Int64(86_400_000_000_000)), ("h", 3_600_000_000_000), ("m", 60_000_000_000)]
        where nanoseconds != 0 && nanoseconds % size == 0 {
            return "\(nanoseconds / size)\(suffix)"
        }
        if nanoseconds % 1_000_000_000 == 0 { return "\(nanoseconds / 1_000_000_000)s" }
        if nanoseconds % 1_000_000 == 0 { return "\(nanoseconds / 1_000_000)ms" }
        return "\(Double(nanoseconds) / 1e9)s"
    }
}
