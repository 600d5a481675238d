import JourneyCore

/// How access log lines are written: nginx's Combined Log Format, JSON lines with the request's journey, or a
/// template of your own (`AccessLogTemplate`, nginx's `log_format`).
public struct AccessLogFormat: Sendable, Equatable, CustomStringConvertible {
    private enum Kind: Sendable, Equatable {
        case combined
        case journey
        case custom(AccessLogTemplate)
    }

    private let kind: Kind

    /// `$remote_addr - - [$time_local] "$request" $status $bytes "$referer" "$ua"`.
    public static let combined = AccessLogFormat(kind: .combined)
    /// One JSON object per line: the combined fields plus each stage's microseconds.
    public static let journey = AccessLogFormat(kind: .journey)

    /// Lines as `template` writes them.
    public static func custom(_ template: AccessLogTemplate) -> AccessLogFormat {
        AccessLogFormat(kind: .custom(template))
    }

    private init(kind: Kind) {
        self.kind = kind
    }

    /// `combined`, `journey`, or a template (text with `$variables`); nil for anything else.
    public init?(_ text: String) {
        switch text {
        case "combined": self = .combined
        case "journey": self = .journey
        default:
            guard text.contains("$"), let template = try? AccessLogTemplate(text) else { return nil }
            self = .custom(template)
        }
    }

    /// `combined`, `journey`, or the template as written.
    public var description: String {
        switch self.kind {
        case .combined: "combined"
        case .journey: "journey"
        case .custom(let template): template.description
        }
    }

    /// One line for `entry`, newline included.
    public func line(for entry: AccessLogEntry) -> String {
        switch self.kind {
        case .combined: CombinedLogFormat.line(for: entry)
        case .journey: JourneyLogFormat.line(for: entry)
        case .custom(let template): template.line(for: entry)
        }
    }
}
