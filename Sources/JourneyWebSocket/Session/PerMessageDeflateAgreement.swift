/// What client and server agreed on for permessage-deflate (RFC 7692 §7.1), read from the client's offers in
/// `Sec-WebSocket-Extensions` and answered in the 101's.
///
/// The server takes the first offer it can accept: one with an unknown or repeated parameter, or a value out of
/// range, is declined and the next one is tried (§7.1). An offer of `server_max_window_bits=8` is declined too:
/// zlib cannot deflate with a 256-byte window (it uses 512), so the client's inflater could not read what it sent.
struct PerMessageDeflateAgreement: Equatable, Sendable {
    /// The server resets its compression after each message (less memory, less compression).
    var serverNoContextTakeover = false
    /// The client resets its compression after each message, so the server's inflater resets too.
    var clientNoContextTakeover = false
    /// The LZ77 window the server compresses with, as a power of two.
    var serverMaxWindowBits = 15
    /// The window the client may compress with, when the server limited it.
    var clientMaxWindowBits: Int?

    /// Compression both ways with full windows and context kept: what a bare `permessage-deflate` offer gets.
    init() {}

    /// The agreement for the first acceptable offer among `fieldValues` (each a `Sec-WebSocket-Extensions` value),
    /// given the route's own limits; nil when the client offers none the server accepts.
    init?(offers fieldValues: some Sequence<String>, windowBits: Int?, noContextTakeover: Bool) {
        let ours = windowBits.map { min(max($0, 9), 15) }
        for value in fieldValues {
            for offer in value.split(separator: ",") {
                if let agreed = Self(offer: offer, windowBits: ours, noContextTakeover: noContextTakeover) {
                    self = agreed
                    return
                }
            }
        }
        return nil
    }

    private init?(offer: Substring, windowBits: Int?, noContextTakeover: Bool) {
        var parts = offer.split(separator: ";").map { $0.trimmingBlanks }
        guard parts.first?.lowercased() == "permessage-deflate" else { return nil }
        parts.removeFirst()
        var seen: Set<String> = []
        var offeredServerWindow: Int?
        var offeredClientWindow: Int??
        self.serverNoContextTakeover = noContextTakeover
        self.clientNoContextTakeover = noContextTakeover
        for part in parts {
            let pair = part.split(separator: "=", maxSplits: 1)
            let name = pair[0].trimmingBlanks.lowercased()
            let value = pair.count == 2 ? Self.unquoted(pair[1].trimmingBlanks) : nil
            guard seen.insert(name).inserted else { return nil }
            switch name {
            case "server_no_context_takeover":
                guard value == nil else { return nil }
                self.serverNoContextTakeover = true
            case "client_no_context_takeover":
                guard value == nil else { return nil }
                self.clientNoContextTakeover = true
            case "server_max_window_bits":
                guard let bits = value.flatMap(Self.windowBits) else { return nil }
                offeredServerWindow = bits
            case "client_max_window_bits":
                if let value {
                    guard let bits = Self.windowBits(value) else { return nil }
                    offeredClientWindow = .some(bits)
                } else {
                    offeredClientWindow = .some(nil)
                }
            default:
                return nil
            }
        }
        if offeredServerWindow == 8 { return nil }
        self.serverMaxWindowBits = min(offeredServerWindow ?? 15, windowBits ?? 15)
        // The client's window is limited only when it said it can be (client_max_window_bits in its offer).
        if let offered = offeredClientWindow, let windowBits {
            self.clientMaxWindowBits = min(offered ?? 15, windowBits)
        }
    }

    /// The parameter value without the quotes a quoted-string may wrap it in (RFC 7692 §7.1).
    private static func unquoted(_ value: Substring) -> Substring {
        guard value.count >= 2, value.first == "\"", value.last == "\"" else { return value }
        return value.dropFirst().dropLast()
    }

    /// A window size as RFC 7692 writes it: 8 to 15, in decimal, with no leading zero.
    private static func windowBits(_ value: Substring) -> Int? {
        guard value.utf8.first != UInt8(ascii: "0"), let bits = Int(value), (8...15).contains(bits) else { return nil }
        return bits
    }

    /// The `Sec-WebSocket-Extensions` value of the 101.
    var responseValue: String {
        var value = "permessage-deflate"
        if self.serverNoContextTakeover { value += "; server_no_context_takeover" }
        if self.clientNoContextTakeover { value += "; client_no_context_takeover" }
        if self.serverMaxWindowBits < 15 { value += "; server_max_window_bits=\(self.serverMaxWindowBits)" }
        if let bits = self.clientMaxWindowBits { value += "; client_max_window_bits=\(bits)" }
        return value
    }
}
