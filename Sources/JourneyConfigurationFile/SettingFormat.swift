import Journey
import NIOCore
import Yams

/// How one kind of value is written in the file: read from a YAML node, written back for `journey config --print`,
/// and described in a complaint when a node is not one.
///
/// Durations and sizes take nginx's units (`30s`, `500ms`, `64k`, `1m`), so a value copied from an nginx
/// configuration means the same here.
package struct SettingFormat<Value> {
    /// What a right value looks like, for the complaint about a wrong one ("a duration such as 30s or 500ms").
    let expected: String
    /// The value a node holds, or nil when it holds none of this kind.
    let parse: (Node) -> Value?
    /// The node that reads back as `value`.
    let render: (Value) -> Node

    /// Null reads as nil ("off", "none"), anything else as the wrapped format says.
    var optional: SettingFormat<Value?> {
        SettingFormat<Value?>(
            expected: "\(self.expected), or null",
            parse: { node in
                if node.isNull { return .some(nil) }
                return self.parse(node).map { .some($0) }
            },
            render: { value in value.map(self.render) ?? Node("null") }
        )
    }
}

extension SettingFormat where Value == Bool {
    /// `true` or `false`.
    static var flag: SettingFormat {
        SettingFormat(
            expected: "true or false",
            parse: { node in node.scalar == nil ? nil : node.bool },
            render: { Node($0 ? "true" : "false") }
        )
    }
}

extension SettingFormat where Value == String {
    /// Any scalar, as written.
    static var text: SettingFormat {
        SettingFormat(
            expected: "a string",
            parse: { node in node.isNull ? nil : node.scalar?.string },
            render: { Node($0, .implicit, $0.looksLikeAnotherType ? .doubleQuoted : .any) }
        )
    }
}

extension SettingFormat {
    /// A list of values in `element`'s format (`[a, b]`, or one item a line).
    static func list<Element>(of element: SettingFormat<Element>) -> SettingFormat where Value == [Element] {
        SettingFormat(
            expected: "a list, each item \(element.expected)",
            parse: { node in
                guard let sequence = node.sequence else { return nil }
                var values: [Element] = []
                for item in sequence {
                    guard let value = element.parse(item) else { return nil }
                    values.append(value)
                }
                return values
            },
            render: { Node($0.map(element.render), .implicit, .flow) }
        )
    }
}

extension SettingFormat {
    /// A mapping of names to values in `element`'s format (`{Cache-Control: no-store}`), in the file's order.
    static func map<Key: Hashable & Comparable, Element>(
        keys: SettingFormat<Key>,
        of element: SettingFormat<Element>
    ) -> SettingFormat where Value == [Key: Element] {
        SettingFormat(
            expected: "a mapping, each key \(keys.expected) and each value \(element.expected)",
            parse: { node in
                guard let mapping = node.mapping else { return node.isNull ? [:] : nil }
                var values: [Key: Element] = [:]
                for (keyNode, valueNode) in mapping {
                    guard let key = keys.parse(keyNode), let value = element.parse(valueNode) else { return nil }
                    values[key] = value
                }
                return values
            },
            render: { values in
                Node(values.sorted { $0.key < $1.key }.map { (keys.render($0.key), element.render($0.value)) })
            }
        )
    }
}

extension SettingFormat where Value == Double {
    /// A number, with a fraction or without.
    static var number: SettingFormat {
        SettingFormat(
            expected: "a number",
            parse: { node in node.scalar == nil ? nil : node.float.flatMap { $0.isFinite ? $0 : nil } },
            render: { Node($0 == $0.rounded() && abs($0) < 1e15 ? String(Int($0)) : String($0)) }
        )
    }
}

extension SettingFormat where Value == [String] {
    /// A list of strings (`[a, b]` or one item a line).
    static var texts: SettingFormat { .list(of: .text) }
}

extension SettingFormat where Value == Int {
    /// A whole number.
    static var count: SettingFormat {
        SettingFormat(
            expected: "a whole number",
            parse: { node in node.scalar == nil ? nil : node.int },
            render: { Node(String($0)) }
        )
    }

    /// A number of bytes, bare or with nginx's units: `k`, `m`, `g` (and `KiB`, `MiB`, `GiB`), all powers of 1024.
    static var bytes: SettingFormat {
        SettingFormat(
            expected: "a size such as 65536, 64k or 1m",
            parse: { node in
                guard let text = node.scalar?.string else { return nil }
                return ByteSize.bytes(text)
            },
            render: { ByteSize.text(for: $0) }
        )
    }
}

extension SettingFormat where Value == Int {
    /// Permission bits in octal, as chmod writes them: `660`, `0660` or `0o660`.
    static var permissions: SettingFormat {
        SettingFormat(
            expected: "permission bits in octal, such as 0660",
            parse: { node in
                guard var text = node.scalar?.string else { return nil }
                if text.hasPrefix("0o") { text.removeFirst(2) }
                guard !text.isEmpty, text.count <= 4, let bits = Int(text, radix: 8) else { return nil }
                return bits
            },
            render: { Node("0" + String($0, radix: 8), .implicit, .doubleQuoted) }
        )
    }
}

extension SettingFormat where Value == Duration {
    /// A time: seconds as a bare number, or with a unit: `ms`, `s`, `m`, `h`, `d` (`500ms`, `30s`, `1.5m`).
    static var duration: SettingFormat {
        SettingFormat(
            expected: "a duration such as 30s, 500ms or 2m",
            parse: { node in node.scalar.flatMap { TimeText.duration($0.string) } },
            render: { Node(TimeText.text(for: $0)) }
        )
    }
}

extension SettingFormat where Value == TimeAmount {
    /// A time, as `duration` writes it.
    static var timeAmount: SettingFormat {
        SettingFormat(
            expected: SettingFormat<Duration>.duration.expected,
            parse: { node in SettingFormat<Duration>.duration.parse(node).map { TimeAmount($0) } },
            render: { SettingFormat<Duration>.duration.render(.nanoseconds($0.nanoseconds)) }
        )
    }
}

extension SettingFormat where Value == ListenAddress {
    /// `HOST:PORT`, `[::1]:PORT` for IPv6.
    static var address: SettingFormat {
        SettingFormat(
            expected: "HOST:PORT, such as 127.0.0.1:8080 or [::1]:8080",
            parse: { node in node.scalar.flatMap { ListenAddress($0.string) } },
            render: { address in
                let host = address.host.contains(":") ? "[\(address.host)]" : address.host
                return Node("\(host):\(address.port)", .implicit, .doubleQuoted)
            }
        )
    }
}

extension SettingFormat where Value == RedisEndpoint {
    /// `redis://[user:password@]host[:port][/db]`, `rediss://…`, `unix:///path[?db=N]`.
    static var redisEndpoint: SettingFormat {
        SettingFormat(
            expected: "a Redis URL: redis://[user:password@]host[:port][/db], rediss://… or unix:///path",
            parse: { node in node.scalar.flatMap { RedisEndpoint(url: $0.string) } },
            render: { Node($0.url, .implicit, .doubleQuoted) }
        )
    }
}

extension SettingFormat where Value == AccessLogFormat {
    /// `combined`, `journey`, or a template with nginx's `$variables`.
    static var accessLogFormat: SettingFormat {
        SettingFormat(
            expected: "combined, journey, or a template with $variables ($remote_addr, $request, $status …)",
            parse: { node in node.scalar.flatMap { AccessLogFormat($0.string) } },
            render: { SettingFormat<String>.text.render($0.description) }
        )
    }
}

extension SettingFormat {
    /// One of the names `names` lists, each for its value.
    static func choice(_ names: [(String, Value)], equal: @escaping (Value, Value) -> Bool) -> SettingFormat {
        SettingFormat(
            expected: "one of " + names.map(\.0).joined(separator: ", "),
            parse: { node in
                guard let text = node.scalar?.string else { return nil }
                return names.first { $0.0 == text }?.1
            },
            render: { value in SettingFormat<String>.text.render(names.first { equal($0.1, value) }?.0 ?? "") }
        )
    }
}

extension SettingFormat where Value: RawRepresentable & CaseIterable & Equatable, Value.RawValue == String {
    /// One of the type's cases, by raw value.
    static var cases: SettingFormat {
        .choice(Value.allCases.map { ($0.rawValue, $0) }, equal: ==)
    }
}

extension Node {
    /// Whether the node is YAML's null (`null`, `~`, or nothing after the colon).
    var isNull: Bool {
        guard let scalar = self.scalar else { return false }
        return scalar.style == .plain && self.null != nil
    }
}

extension String {
    /// Whether YAML would read the text, unquoted, as something other than a string (`on`, `8080`, `null`).
    fileprivate var looksLikeAnotherType: Bool {
        let node = Node(self)
        return self.isEmpty || node.null != nil || node.bool != nil || node.int != nil || node.float != nil
            || self.contains(": ") || self.hasPrefix("#") || self.hasPrefix("*") || self.hasPrefix("&")
    }
}
