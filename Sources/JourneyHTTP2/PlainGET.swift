import JourneyCore
import NIOHPACK

/// What the fast path needs of a request's head: a GET with no field that changes the answer (no conditional, no
/// range), its path (percent-encoded, without the query) and whether it names encodings it accepts.
struct PlainGET {
    var path: Substring
    var sendsAcceptEncoding: Bool
    /// `:authority` (or Host), for responders whose answers depend on it.
    var authority: Substring?

    /// Nil when the head is anything else than a plain GET.
    init?(_ headers: HPACKHeaders) {
        var isGET = false
        var target: String?
        var sendsAcceptEncoding = false
        var authority: String?
        // NIOHTTP2 has checked the block (lowercase names, pseudo-fields first and once, no connection fields).
        for (name, value, _) in headers {
            switch name {
            case ":method": isGET = value == "GET"
            case ":path": target = value
            case "accept-encoding": sendsAcceptEncoding = true
            case "range": return nil
            // A bad authority is the stream handler's to refuse (400).
            case ":authority", "host":
                if !HostSyntax.isValid(value) { return nil }
                authority = value
            default:
                // If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since, If-Range.
                if name.utf8.starts(with: "if-".utf8) { return nil }
            }
        }
        guard isGET, let target, target.utf8.first == UInt8(ascii: "/"), !target.utf8.contains(UInt8(ascii: "#"))
        else { return nil }
        self.path = target.prefix { $0 != "?" }
        self.sendsAcceptEncoding = sendsAcceptEncoding
        self.authority = authority?[...]
    }
}
