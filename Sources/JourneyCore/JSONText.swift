/// JSON strings written by hand where a line is built piece by piece (the journey log, a directory listing as
/// JSON): RFC 8259's escapes, once for every writer.
package enum JSONText {
    /// Appends `text` as a JSON string, or `null`. Invalid UTF-8 was already repaired when the `String` was made, so
    /// the output is valid UTF-8.
    package static func append(_ text: String?, to line: inout String) {
        guard let text else {
            line += "null"
            return
        }
        line += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": line += "\\\""
            case "\\": line += "\\\\"
            case "\n": line += "\\n"
            case "\r": line += "\\r"
            case "\t": line += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7f:
                let hex = Array("0123456789abcdef")
                line += "\\u00" + String(hex[Int(scalar.value >> 4)]) + String(hex[Int(scalar.value & 15)])
            default: line.unicodeScalars.append(scalar)
            }
        }
        line += "\""
    }

    /// `text` as a JSON string.
    package static func quoted(_ text: String) -> String {
        var line = ""
        Self.append(text, to: &line)
        return line
    }
}
