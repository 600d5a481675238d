import JourneyCore

/// How access log lines are written: nginx's Combined Log Format, or JSON lines with the request's journey.
public enum AccessLogFormat: String, Sendable, CaseIterable {
    /// `$remote_addr - - [$time_local] "$request" $status $bytes "$referer" "$ua"`.
    case combined
    /// One JSON object per line: the combined fields plus each stage's microseconds.
    case journey

    /// One line for `entry`, newline included.
    public func line(for entry: AccessLogEntry) -> String {
        switch self {
        case .combined: CombinedLogFormat.line(for: entry)
        case .journey: JourneyLogFormat.line(for: entry)
        }
    }
}
