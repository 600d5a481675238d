import NIOCore

/// The words of an inline command (`PING`, `SET k "a b"` typed into telnet), split as Redis's
/// `sdssplitargs` splits them: spaces between words, double quotes with `\n`, `\xHH`… escapes, single
/// quotes with `\'`; a closing quote must end its word.
enum RESPInlineCommand {
    /// The words of the `length`-byte line at `buffer`'s reader index: slices of the buffer, not copies, when
    /// the line has no quotes (telnet's `PING`, `GET key`); `split`'s words otherwise. Nil for unbalanced quotes.
    static func words(of buffer: ByteBuffer, length: Int) -> [ByteBuffer]? {
        let plain: [ByteBuffer]? = buffer.withUnsafeReadableBytes { bytes in
            var words: [ByteBuffer] = []
            var start: Int?
            for index in 0..<length {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") || byte == 0 { return nil }
                if let first = start {
                    // Inside a word only these end it (as in `split`); \v and \f belong to the word.
                    if byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
                        words.append(buffer.getSlice(at: buffer.readerIndex + first, length: index - first)!)
                        start = nil
                    }
                } else if !isSpace(byte) {
                    start = index
                }
            }
            if let first = start {
                words.append(buffer.getSlice(at: buffer.readerIndex + first, length: length - first)!)
            }
            return words
        }
        if let plain { return plain }
        let view = buffer.readableBytesView
        return Self.split(view[view.startIndex..<(view.startIndex + length)])
    }

    /// The words of `line` (its line break already cut off), or nil for unbalanced quotes.
    static func split(_ line: ByteBufferView) -> [ByteBuffer]? {
        var words: [ByteBuffer] = []
        var index = line.startIndex
        let end = line.endIndex
        func byte(_ at: Int) -> UInt8 { at < end ? line[at] : 0 }
        /// A closing quote at `at` must be followed by a space or the end of the line.
        func closesWord(_ at: Int) -> Bool { byte(at + 1) == 0 || isSpace(byte(at + 1)) }
        while true {
            while index < end, isSpace(line[index]) { index += 1 }
            guard index < end, line[index] != 0 else { return words }
            var word: [UInt8] = []
            // The quote the word is inside, if any (`"` or `'`; sdssplitargs' rules).
            var quote: UInt8?
            var done = false
            while !done {
                let current = byte(index)
                if let open = quote {
                    let doubleQuoted = open == UInt8(ascii: "\"")
                    if doubleQuoted, current == UInt8(ascii: "\\"), byte(index + 1) == UInt8(ascii: "x"),
                        let high = hexValue(byte(index + 2)), let low = hexValue(byte(index + 3))
                    {
                        word.append(high << 4 | low)
                        index += 3
                    } else if doubleQuoted, current == UInt8(ascii: "\\"), index + 1 < end, byte(index + 1) != 0 {
                        index += 1
                        switch byte(index) {
                        case UInt8(ascii: "n"): word.append(UInt8(ascii: "\n"))
                        case UInt8(ascii: "r"): word.append(UInt8(ascii: "\r"))
                        case UInt8(ascii: "t"): word.append(UInt8(ascii: "\t"))
                        case UInt8(ascii: "b"): word.append(0x08)
                        case UInt8(ascii: "a"): word.append(0x07)
                        case let other: word.append(other)
                        }
                    } else if !doubleQuoted, current == UInt8(ascii: "\\"), byte(index + 1) == UInt8(ascii: "'") {
                        index += 1
                        word.append(UInt8(ascii: "'"))
                    } else if current == open {
                        guard closesWord(index) else { return nil }
                        done = true
                    } else if index >= end || current == 0 {
                        return nil
                    } else {
                        word.append(current)
                    }
                } else {
                    switch current {
                    case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"), 0:
                        done = true
                    case UInt8(ascii: "\""), UInt8(ascii: "'"): quote = current
                    default: word.append(current)
                    }
                    if index >= end { done = true }
                }
                if index < end { index += 1 }
            }
            words.append(ByteBuffer(bytes: word))
        }
    }

    /// C's isspace.
    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
