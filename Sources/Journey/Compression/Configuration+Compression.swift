import JourneyCore
import JourneyStaticFiles

extension Configuration {
    /// Responses compressed on the fly for clients that accept it (nginx's `gzip`, Caddy's `encode`): text, JSON,
    /// JavaScript, SVG and the like, when they have no precompressed sibling and are not ranges or `no-transform`.
    /// A static file's compressed form is kept in a bounded cache by its ETag, so a hot file is compressed once;
    /// a streamed response (Server-Sent Events) goes through the compressor piece by piece.
    public struct Compression: Sendable, Equatable {
        /// The codings offered, in the server's order of preference when the client's q-values tie.
        public var codings: [ContentCoding] = [.zstd, .brotli, .gzip]
        /// Bodies smaller than this go as they are (compressing them saves less than the coding costs).
        public var minimumSize = 256
        /// Media types compressed (without parameters); a `type/*` entry takes the whole type.
        public var types = [
            "text/*", "application/json", "application/javascript", "application/xml", "application/xhtml+xml",
            "application/rss+xml", "application/atom+xml", "application/manifest+json", "application/ld+json",
            "application/wasm", "image/svg+xml", "image/x-icon", "font/ttf", "font/otf",
        ]
        /// The most bytes of compressed files kept in memory (by ETag and coding); 0 keeps none.
        public var cacheSize = 32 << 20
        /// Files larger than this are sent as they are (they would be read whole to be compressed).
        public var maximumFileSize = 16 << 20
        /// zlib's level for gzip, 1...9.
        public var gzipLevel = 6
        /// Brotli's quality, 0...11 (11 is slow: for precompressing, not on the fly).
        public var brotliQuality = 5
        /// Zstandard's level, 1...19.
        public var zstdLevel = 3

        /// The defaults: zstd, Brotli and gzip for text-like types from 256 bytes, a 32 MiB cache.
        public init() {}

        /// Whether `contentType` (a Content-Type value) is one of `types`.
        func compresses(_ contentType: Substring) -> Bool {
            let type = contentType.prefix { $0 != ";" }.trimmingBlanks.lowercased()
            return self.types.contains { listed in
                listed.hasSuffix("/*") ? type.hasPrefix(listed.dropLast()) : type == listed
            }
        }
    }
}
