/// A precompressed sibling's content coding, in the order Journey prefers them.
public enum ContentCoding: String, CaseIterable, Sendable {
    /// Brotli (`.br`), the smallest for text.
    case brotli = "br"
    /// Zstandard (`.zst`).
    case zstd = "zstd"
    /// gzip (`.gz`), understood by every client.
    case gzip = "gzip"

    /// The file name suffix of the sibling that holds this coding.
    public var fileSuffix: String {
        switch self {
        case .brotli: return ".br"
        case .zstd: return ".zst"
        case .gzip: return ".gz"
        }
    }

    /// The codings `acceptEncoding` allows, best first: q-values decide, ties go to Journey's order.
    ///
    /// RFC 9110 §12.5.3: a coding with q=0 is refused, `*` covers codings not named, and
    /// `x-gzip` is the same as `gzip`. An absent field means only `identity` is safe to assume here.
    public static func acceptable(from acceptEncoding: some StringProtocol) -> [ContentCoding] {
        Self.ranked(Self.allCases, by: acceptEncoding)
    }

    /// `offered`, best first by `acceptEncoding`'s q-values, ties in `offered`'s order; those refused left out.
    package static func ranked(_ offered: [ContentCoding], by acceptEncoding: some StringProtocol) -> [ContentCoding] {
        var weights: [String: Double] = [:]
        for member in acceptEncoding.split(separator: ",") {
            let parameters = member.split(separator: ";")
            guard let rawName = parameters.first else { continue }
            var name = rawName.trimmingSpaces.lowercased()
            if name == "x-gzip" { name = "gzip" }
            var quality = 1.0
            for parameter in parameters.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1)
                if pair.count == 2, pair[0].trimmingSpaces.lowercased() == "q" {
                    quality = Double(pair[1].trimmingSpaces).map { min(max($0, 0), 1) } ?? 0
                }
            }
            weights[name] = quality
        }
        let wildcard = weights["*"]
        let ranked = offered.compactMap { coding -> (ContentCoding, Double)? in
            guard let quality = weights[coding.rawValue] ?? wildcard, quality > 0 else { return nil }
            return (coding, quality)
        }
        // A stable sort keeps the offered order among equal q-values.
        return ranked.enumerated().sorted {
            $0.element.1 != $1.element.1 ? $0.element.1 > $1.element.1 : $0.offset < $1.offset
        }.map(\.element.0)
    }
}
