/// What an `Accept` field prefers between HTML and JSON, read by RFC 9110 §12.5.1: each media type takes the
/// quality of the most specific range that matches it.
struct MediaRangePreference {
    private var html: Double
    private var json: Double

    /// Reads `accept`; a missing field accepts everything equally.
    init(_ accept: String?) {
        guard let accept, !accept.isEmpty else {
            self.html = 1
            self.json = 1
            return
        }
        var ranges: [(type: Substring, subtype: Substring, quality: Double)] = []
        for element in accept.split(separator: ",") {
            let parameters = element.split(separator: ";")
            guard let range = parameters.first else { continue }
            let parts = range.split(separator: "/", maxSplits: 1)
            guard parts.count == 2 else { continue }
            var quality = 1.0
            for parameter in parameters.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1)
                if pair.count == 2, pair[0].trimmingBlanks.lowercased() == "q" {
                    quality = Double(pair[1].trimmingBlanks) ?? 0
                }
            }
            ranges.append(
                (parts[0].trimmingBlanks.lowercased()[...], parts[1].trimmingBlanks.lowercased()[...], quality)
            )
        }
        func quality(_ type: String, _ subtype: String) -> Double {
            var best: (specificity: Int, quality: Double) = (-1, 0)
            for range in ranges {
                let specificity: Int
                if range.type == type, range.subtype == subtype {
                    specificity = 2
                } else if range.type == type, range.subtype == "*" {
                    specificity = 1
                } else if range.type == "*", range.subtype == "*" {
                    specificity = 0
                } else {
                    continue
                }
                if specificity > best.specificity { best = (specificity, range.quality) }
            }
            return best.quality
        }
        self.html = quality("text", "html")
        self.json = max(quality("application", "json"), quality("application", "problem+json"))
    }

    /// Whether HTML is strictly preferred: a tie goes to JSON.
    var prefersHTMLToJSON: Bool { self.html > self.json }
}
