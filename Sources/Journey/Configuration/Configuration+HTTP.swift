import JourneyHTTP1
import JourneyHTTP2

extension Configuration {
    /// HTTP/1.1 on every listener that speaks it.
    public struct HTTP1: Sendable, Equatable {
        /// Parse and Decode limits (`--max-header-size`, `--max-body-size`).
        public var limits = HTTP1Limits()
        /// Whether a plain GET of a hot file is answered ahead of llhttp from the bytes prepared when the file was
        /// cached (`--no-fast-path` sends every request by the full path, to compare). Off by itself while an access
        /// log is written or Server-Timing sent: both need the parsed request.
        public var takesFastPath = true

        /// The defaults.
        public init() {}
    }

    /// HTTP/2: over TLS by ALPN, and in the clear when `cleartext` is on.
    public struct HTTP2: Sendable, Equatable {
        /// Whether the cleartext main listener also speaks HTTP/2 to clients that start with its preface (`--h2c`).
        public var cleartext = false
        /// What one client may hold open and send (`--h2-max-streams`, `--max-header-size`, `--max-body-size`).
        public var limits = HTTP2Limits()
        /// Whether a stream with a plain GET of a hot file is answered on the connection, without a stream channel
        /// (`--no-fast-path`); off by itself as HTTP/1.1's is.
        public var takesFastPath = true

        /// The defaults.
        public init() {}
    }
}
