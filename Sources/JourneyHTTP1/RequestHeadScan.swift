import JourneyCore
import NIOCore

/// Where the next request head on a connection ends, and whether it is a plain GET that a prepared response
/// can answer: the HTTP/1.1 fast path's only look at the bytes.
///
/// It never decides what llhttp would refuse or how to answer a bad request: a head it cannot vouch for, byte for
/// byte, is `.unframeable` and goes to llhttp with everything after it. A head it frames is strictly well-formed
/// (RFC 9112 §2–5: CRLF line ends, a token method, a target of visible ASCII, `HTTP/1.x`, token field names, no
/// obs-fold, no control bytes) and carries no body, so llhttp reads exactly the same bytes as one request.
struct RequestHeadScan: Equatable {
    /// The head's length, through its blank line.
    var length: Int
    /// `GET origin-path HTTP/1.1` with one Host and no field that changes the answer (conditionals, Range) or the
    /// connection (Upgrade, a Connection option but close and keep-alive): the path, without the query.
    var plainGETPath: Substring?
    /// The Host field's value of a plain GET, when the scan was asked for it (sites chosen by name).
    var plainGETHost: Substring?
    /// The client sent `Connection: close`.
    var closes: Bool
    /// The client sent `Accept-Encoding` (a file with compressed siblings answers it by the full path).
    var sendsAcceptEncoding: Bool
    /// An HTTP/1.1 request with an origin-form target (no fragment), exactly one valid Host and no `Expect`: one
    /// `ScannedRequest` reads into the `Request` the full path would make of it, so the fast path can hand it to the
    /// responder itself.
    var isRoutable = false

    /// What the bytes at the front of a buffer hold.
    enum Outcome: Equatable {
        /// A whole head, framed.
        case head(RequestHeadScan)
        /// The start of a head that may still be framed once more bytes arrive.
        case incomplete
        /// Bytes only llhttp should judge (a body, an upgrade, anything malformed or unusual).
        case unframeable
    }

    /// Scans the head at the front of `bytes`; the request line may be at most `maximumLineLength` bytes and the
    /// head at most `maximumHeadLength` (beyond either, llhttp gives the error status).
    /// `capturesHost` keeps a plain GET's Host value in `plainGETHost`.
    static func scan(
        _ bytes: ByteBuffer,
        maximumLineLength: Int,
        maximumHeadLength: Int,
        capturesHost: Bool = false
    ) -> Outcome {
        bytes.withUnsafeReadableBytes { raw in
            var scanner = Scanner(bytes: raw, limit: min(raw.count, maximumHeadLength), capturesHost: capturesHost)
            return scanner.head(maximumLineLength: maximumLineLength)
        }
    }

    private struct Scanner {
        let bytes: UnsafeRawBufferPointer
        let limit: Int
        let capturesHost: Bool
        var index = 0

        init(bytes: UnsafeRawBufferPointer, limit: Int, capturesHost: Bool) {
            self.bytes = bytes
            self.limit = limit
            self.capturesHost = capturesHost
        }

        /// `.incomplete` when the bytes ran out before the head did, if the limit was not what stopped them.
        var ranOut: Outcome { self.limit < self.bytes.count ? .unframeable : .incomplete }

        mutating func head(maximumLineLength: Int) -> Outcome {
            // Request line: method SP target SP HTTP/1.x CRLF.
            let methodStart = self.index
            while self.index < self.limit, self.bytes[self.index].isHTTPTokenCharacter { self.index += 1 }
            guard self.index < self.limit else { return self.ranOut }
            let method = methodStart..<self.index
            guard !method.isEmpty, self.bytes[self.index] == UInt8(ascii: " ") else { return .unframeable }
            self.index += 1
            let targetStart = self.index
            while self.index < self.limit, (0x21...0x7E).contains(self.bytes[self.index]) { self.index += 1 }
            guard self.index < self.limit else { return self.ranOut }
            let target = targetStart..<self.index
            guard !target.isEmpty, self.bytes[self.index] == UInt8(ascii: " ") else { return .unframeable }
            self.index += 1
            // A StaticString: its bytes are in the binary (an Array of them would be allocated per request).
            let version: StaticString = "HTTP/1."
            for offset in 0..<version.utf8CodeUnitCount {
                guard self.index < self.limit else { return self.ranOut }
                guard self.bytes[self.index] == version.utf8Start[offset] else { return .unframeable }
                self.index += 1
            }
            guard self.index + 2 < self.limit else { return self.ranOut }
            let minor = self.bytes[self.index]
            guard minor == UInt8(ascii: "0") || minor == UInt8(ascii: "1"),
                self.bytes[self.index + 1] == UInt8(ascii: "\r"), self.bytes[self.index + 2] == UInt8(ascii: "\n")
            else { return .unframeable }
            self.index += 3
            guard self.index <= maximumLineLength else { return .unframeable }
            // Methods are case-sensitive (RFC 9110 §9.1). CONNECT takes the connection over: llhttp reads nothing after it.
            let isGET = self.matches(method, "GET", ignoringCase: false)
            if self.matches(method, "CONNECT", ignoringCase: false) { return .unframeable }

            let isOriginForm = minor == UInt8(ascii: "1") && self.bytes[targetStart] == UInt8(ascii: "/")
            var plain = isGET && isOriginForm
            // Methods llhttp does not know are its to refuse (501); the rarer ones it knows go to it as well.
            var routable = isOriginForm && (isGET || self.isCommonMethod(method))
            var hosts = 0
            var hostValue = 0..<0
            var lengths = 0
            var closes = false
            var sendsAcceptEncoding = false
            // Fields, until the blank line.
            while true {
                guard self.index + 1 < self.limit else { return self.ranOut }
                if self.bytes[self.index] == UInt8(ascii: "\r") {
                    guard self.bytes[self.index + 1] == UInt8(ascii: "\n") else { return .unframeable }
                    self.index += 2
                    break
                }
                let nameStart = self.index
                while self.index < self.limit, self.bytes[self.index].isHTTPTokenCharacter { self.index += 1 }
                guard self.index < self.limit else { return self.ranOut }
                let name = nameStart..<self.index
                // No space before the colon (§5.1), no obs-fold (a line starting with SP or HTAB, §5.2).
                guard !name.isEmpty, self.bytes[self.index] == UInt8(ascii: ":") else { return .unframeable }
                self.index += 1
                while self.index < self.limit, Self.isBlank(self.bytes[self.index]) { self.index += 1 }
                let valueStart = self.index
                var valueEnd = valueStart
                while self.index < self.limit, self.bytes[self.index] != UInt8(ascii: "\r") {
                    let byte = self.bytes[self.index]
                    // §5.5: field values are visible bytes, SP and HTAB; obs-text (0x80–0xFF) is allowed.
                    guard byte == 0x09 || byte >= 0x20, byte != 0x7F else { return .unframeable }
                    self.index += 1
                    if !Self.isBlank(byte) { valueEnd = self.index }
                }
                guard self.index + 1 < self.limit else { return self.ranOut }
                guard self.bytes[self.index + 1] == UInt8(ascii: "\n") else { return .unframeable }
                self.index += 2
                let value = valueStart..<valueEnd
                switch name.count {
                case 4 where self.matches(name, "host"):
                    hosts += 1
                    hostValue = value
                    // A Host that is not `uri-host [ ":" port ]` is the full path's to refuse (400).
                    if value.isEmpty || !HostSyntax.isValid(UnsafeRawBufferPointer(rebasing: self.bytes[value])) {
                        plain = false
                        routable = false
                    }
                case 5 where self.matches(name, "range"):
                    plain = false
                case 7 where self.matches(name, "upgrade"):
                    return .unframeable
                case 10 where self.matches(name, "connection"):
                    let options = self.connectionOptions(in: value)
                    if options.upgrade { return .unframeable }
                    if options.other { plain = false }
                    closes = closes || options.close
                case 14 where self.matches(name, "content-length"):
                    // One `0` is no body; any other length, or a second field, is llhttp's to judge.
                    lengths += 1
                    guard lengths == 1, value.count == 1, self.bytes[value.lowerBound] == UInt8(ascii: "0") else {
                        return .unframeable
                    }
                case 15 where self.matches(name, "accept-encoding"):
                    sendsAcceptEncoding = true
                case 17 where self.matches(name, "transfer-encoding"):
                    return .unframeable
                case 6 where self.matches(name, "expect"):
                    plain = false
                    routable = false
                default:
                    // If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since, If-Range.
                    if name.count > 3, self.matches(name.lowerBound..<name.lowerBound + 3, "if-") { plain = false }
                }
            }
            if hosts != 1 {
                plain = false
                routable = false
            }
            // A fragment has no place in a request target (RFC 9112 §3.2): llhttp's word on it stands.
            if routable, self.bytes[target].contains(UInt8(ascii: "#")) { routable = false }
            var path: Substring?
            var host: Substring?
            if plain {
                var end = targetStart
                var hasFragment = false
                while end < target.upperBound, self.bytes[end] != UInt8(ascii: "?") {
                    hasFragment = hasFragment || self.bytes[end] == UInt8(ascii: "#")
                    end += 1
                }
                // A fragment has no place in a request target (RFC 9112 §3.2): llhttp's word on it stands.
                if !hasFragment {
                    path =
                        String(
                            decoding: UnsafeRawBufferPointer(rebasing: self.bytes[targetStart..<end]),
                            as: UTF8.self
                        )[...]
                    if self.capturesHost {
                        // A name of up to 15 bytes is a small string: no allocation.
                        host =
                            String(decoding: UnsafeRawBufferPointer(rebasing: self.bytes[hostValue]), as: UTF8.self)[
                                ...
                            ]
                    }
                }
            }
            return .head(
                RequestHeadScan(
                    length: self.index,
                    plainGETPath: path,
                    plainGETHost: host,
                    closes: closes,
                    sendsAcceptEncoding: sendsAcceptEncoding,
                    isRoutable: routable
                )
            )
        }

        /// POST, HEAD, PUT, DELETE, PATCH or OPTIONS.
        func isCommonMethod(_ method: Range<Int>) -> Bool {
            switch method.count {
            case 3: return self.matches(method, "PUT", ignoringCase: false)
            case 4:
                return self.matches(method, "POST", ignoringCase: false)
                    || self.matches(method, "HEAD", ignoringCase: false)
            case 5: return self.matches(method, "PATCH", ignoringCase: false)
            case 6: return self.matches(method, "DELETE", ignoringCase: false)
            case 7: return self.matches(method, "OPTIONS", ignoringCase: false)
            default: return false
            }
        }

        /// Whether `range` holds `expected` (lowercase unless case counts), ignoring ASCII case unless told not to.
        func matches(_ range: Range<Int>, _ expected: StaticString, ignoringCase: Bool = true) -> Bool {
            guard range.count == expected.utf8CodeUnitCount else { return false }
            let expected = UnsafeRawBufferPointer(start: expected.utf8Start, count: expected.utf8CodeUnitCount)
            // `| 0x20` lowers an ASCII letter; the other bytes compared ('-', digits) already have that bit set, and
            // a token byte never turns into a letter by it.
            let fold: UInt8 = ignoringCase ? 0x20 : 0
            for offset in 0..<range.count where self.bytes[range.lowerBound + offset] | fold != expected[offset] {
                return false
            }
            return true
        }

        /// The options of a Connection field's value, comma-separated and without their surrounding blanks.
        func connectionOptions(in value: Range<Int>) -> (close: Bool, upgrade: Bool, other: Bool) {
            var found = (close: false, upgrade: false, other: false)
            var start = value.lowerBound
            for index in value.lowerBound...value.upperBound
            where index == value.upperBound || self.bytes[index] == UInt8(ascii: ",") {
                var lower = start
                var upper = index
                while lower < upper, Self.isBlank(self.bytes[lower]) { lower += 1 }
                while upper > lower, Self.isBlank(self.bytes[upper - 1]) { upper -= 1 }
                start = index + 1
                let option = lower..<upper
                if option.isEmpty || self.matches(option, "keep-alive") { continue }
                if self.matches(option, "close") {
                    found.close = true
                } else if self.matches(option, "upgrade") {
                    found.upgrade = true
                } else {
                    found.other = true
                }
            }
            return found
        }

        static func isBlank(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: " ") || byte == 0x09
        }
    }
}
