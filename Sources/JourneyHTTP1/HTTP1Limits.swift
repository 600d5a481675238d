/// The HTTP/1 Parse and Decode limits; each maps to a status the client receives when it is crossed.
public struct HTTP1Limits: Sendable, Hashable {
    /// The longest request line (method, target, version); longer gets 414 (nginx: 8 KiB).
    public var maximumRequestLineLength: Int
    /// The largest header section, request line included; larger gets 431.
    public var maximumHeaderSectionSize: Int
    /// The largest request body; larger gets 413 (nginx's `client_max_body_size`, 1 MiB).
    public var maximumBodySize: Int

    /// Creates limits; the defaults are nginx's, with a 16 KiB header section.
    public init(
        maximumRequestLineLength: Int = 8 * 1024,
        maximumHeaderSectionSize: Int = 16 * 1024,
        maximumBodySize: Int = 1024 * 1024
    ) {
        self.maximumRequestLineLength = maximumRequestLineLength
        self.maximumHeaderSectionSize = maximumHeaderSectionSize
        self.maximumBodySize = maximumBodySize
    }
}
