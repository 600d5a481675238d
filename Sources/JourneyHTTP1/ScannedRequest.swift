import HTTPTypes
import JourneyCore
import NIOCore

/// A routable head (`RequestHeadScan.isRoutable`) read into the `Request` the full path would make of the same bytes
/// (llhttp, then `HTTPRequest(http1:)`): the method, the target as it arrived, the first Host as the authority and
/// every other field in order, values without their surrounding blanks. The scan has already vouched for every byte,
/// so this only splits.
struct ScannedRequest {
    /// The request, with an empty body.
    var request: Request
    /// The method as it arrived, for the log.
    var method: String
    /// The target as it arrived, for the log.
    var target: String

    /// Reads the head at the front of `head` (the scan's bytes through its blank line).
    init(head: ByteBuffer) {
        var method = HTTPRequest.Method.get
        var methodText = ""
        var target = ""
        var authority: String?
        var fields = HTTPFields()
        head.withUnsafeReadableBytes { bytes in
            var index = 0
            while bytes[index] != UInt8(ascii: " ") { index += 1 }
            methodText = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[0..<index]), as: UTF8.self)
            method = Self.method(methodText)
            index += 1
            let targetStart = index
            while bytes[index] != UInt8(ascii: " ") { index += 1 }
            target = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[targetStart..<index]), as: UTF8.self)
            // The version (`HTTP/1.1`, the scan made sure) and its CRLF.
            while bytes[index] != UInt8(ascii: "\n") { index += 1 }
            index += 1
            while bytes[index] != UInt8(ascii: "\r") {
                let nameStart = index
                while bytes[index] != UInt8(ascii: ":") { index += 1 }
                let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[nameStart..<index]), as: UTF8.self)
                index += 1
                while bytes[index] == UInt8(ascii: " ") || bytes[index] == 0x09 { index += 1 }
                let valueStart = index
                var valueEnd = index
                while bytes[index] != UInt8(ascii: "\r") {
                    if bytes[index] != UInt8(ascii: " ") && bytes[index] != 0x09 { valueEnd = index + 1 }
                    index += 1
                }
                index += 2
                let value = String(
                    decoding: UnsafeRawBufferPointer(rebasing: bytes[valueStart..<valueEnd]),
                    as: UTF8.self
                )
                // The scan let only token names through, so the name is always valid.
                guard let fieldName = HTTPField.Name(name) else { continue }
                if authority == nil, fieldName.canonicalName == "host" {
                    authority = value
                } else {
                    fields.append(HTTPField(name: fieldName, value: value))
                }
            }
        }
        self.method = methodText
        self.target = target
        self.request = Request(
            head: HTTPRequest(
                method: method,
                scheme: "http",
                authority: authority,
                path: target,
                headerFields: fields
            )
        )
    }

    /// The method named `text`: the common ones as the constants, without validating them again.
    private static func method(_ text: String) -> HTTPRequest.Method {
        switch text {
        case "GET": return .get
        case "POST": return .post
        case "HEAD": return .head
        case "PUT": return .put
        case "DELETE": return .delete
        case "PATCH": return .patch
        case "OPTIONS": return .options
        // A token (the scan checked), so always a method.
        default: return HTTPRequest.Method(text) ?? .get
        }
    }
}
