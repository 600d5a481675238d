import NIOCore

/// Checks text that arrives in pieces, byte by byte, as UTF-8 (RFC 3629): a WebSocket text message must fail as
/// soon as its bytes cannot be UTF-8 (RFC 6455 §8.1), not when its last fragment arrives, and a code point may be
/// split across fragments.
///
/// The state is the number of continuation bytes still owed and the range the next one must fall in (which rules
/// out overlong forms, surrogates and code points past U+10FFFF).
struct UTF8Validation {
    /// Continuation bytes the current code point still needs.
    private var owed: UInt8 = 0
    /// The range the next continuation byte must fall in.
    private var lower: UInt8 = 0x80
    private var upper: UInt8 = 0xBF

    /// Whether the text so far ends on a whole code point: a message may end here.
    var isComplete: Bool { self.owed == 0 }

    /// Takes the next piece of text; false once the bytes cannot be UTF-8, whatever follows.
    mutating func consume(_ piece: ByteBuffer) -> Bool {
        piece.withUnsafeReadableBytes { self.consume($0) }
    }

    /// Takes the next piece of text; false once the bytes cannot be UTF-8, whatever follows.
    mutating func consume(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        let count = bytes.count
        while index < count {
            // Eight ASCII bytes at a time while no code point is open: most text is mostly ASCII.
            if self.owed == 0 {
                while index + 8 <= count,
                    bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0
                {
                    index += 8
                }
                guard index < count else { break }
            }
            let byte = bytes[index]
            index += 1
            if self.owed == 0 {
                if byte < 0x80 { continue }
                guard self.begin(with: byte) else { return false }
            } else {
                guard byte >= self.lower, byte <= self.upper else { return false }
                self.owed -= 1
                self.lower = 0x80
                self.upper = 0xBF
            }
        }
        return true
    }

    /// Starts a code point of more than one byte; false for a byte no code point starts with.
    private mutating func begin(with byte: UInt8) -> Bool {
        switch byte {
        case 0xC2...0xDF: self.owed = 1
        case 0xE0: (self.owed, self.lower) = (2, 0xA0)  // no overlong three-byte form
        case 0xE1...0xEC, 0xEE...0xEF: self.owed = 2
        case 0xED: (self.owed, self.upper) = (2, 0x9F)  // no surrogates
        case 0xF0: (self.owed, self.lower) = (3, 0x90)  // no overlong four-byte form
        case 0xF1...0xF3: self.owed = 3
        case 0xF4: (self.owed, self.upper) = (3, 0x8F)  // nothing past U+10FFFF
        default: return false
        }
        return true
    }
}
