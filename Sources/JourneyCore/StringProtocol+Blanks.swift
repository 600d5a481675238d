extension StringProtocol {
    /// The value without the blanks (SP, HTAB) around it, which are not part of a field value (RFC 9110 §5.5).
    package var trimmingBlanks: Substring {
        var value = Substring(self)
        while let first = value.first, first == " " || first == "\t" { value = value.dropFirst() }
        while let last = value.last, last == " " || last == "\t" { value = value.dropLast() }
        return value
    }
}
