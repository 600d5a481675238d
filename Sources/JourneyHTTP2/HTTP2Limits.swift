/// The HTTP/2 limits a connection announces in its SETTINGS and enforces: what one client may hold open at once.
public struct HTTP2Limits: Sendable, Hashable {
    /// Streams a client may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS; nginx's default too).
    public var maximumConcurrentStreams: Int
    /// The largest header list, decoded (SETTINGS_MAX_HEADER_LIST_SIZE); a bigger one is a connection error.
    public var maximumHeaderListSize: Int
    /// The largest request body; larger gets 413.
    public var maximumBodySize: Int
    /// Streams a client may reset (or make fail) within `abuseWindow` before the connection is closed: the
    /// rapid-reset defence (CVE-2023-44487). A client that cancels more than this is not browsing.
    public var maximumResetsPerWindow: Int
    /// PING, SETTINGS and PRIORITY frames a client may send within `abuseWindow` before the connection is closed.
    public var maximumControlFramesPerWindow: Int
    /// The window the two rates above are counted over, in seconds.
    public var abuseWindowSeconds: Int

    /// Creates limits; the defaults are nginx's where it has one (100 streams) and swift-nio-http2's rates.
    public init(
        maximumConcurrentStreams: Int = 100,
        maximumHeaderListSize: Int = 16 * 1024,
        maximumBodySize: Int = 1024 * 1024,
        maximumResetsPerWindow: Int = 200,
        maximumControlFramesPerWindow: Int = 200,
        abuseWindowSeconds: Int = 30
    ) {
        self.maximumConcurrentStreams = maximumConcurrentStreams
        self.maximumHeaderListSize = maximumHeaderListSize
        self.maximumBodySize = maximumBodySize
        self.maximumResetsPerWindow = maximumResetsPerWindow
        self.maximumControlFramesPerWindow = maximumControlFramesPerWindow
        self.abuseWindowSeconds = abuseWindowSeconds
    }
}
