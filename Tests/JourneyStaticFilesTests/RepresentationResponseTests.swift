import HTTPTypes
import JourneyCore
import JourneyStaticFiles
import NIOCore
import Testing

@Suite struct RepresentationResponseTests {
    private let representation = Representation(
        source: .memory(ByteBuffer(string: "0123456789")),
        size: 10,
        contentType: "text/plain; charset=utf-8",
        entityTag: EntityTag(opaque: "v1"),
        lastModified: 1_000_000
    )

    private func respond(_ method: HTTPRequest.Method = .get, _ fields: HTTPFields = [:]) -> Response {
        let head = HTTPRequest(method: method, scheme: "http", authority: "x", path: "/f.txt", headerFields: fields)
        return RepresentationResponse.make(
            for: Request(head: head),
            representation: self.representation,
            cacheControl: "max-age=60"
        )
    }

    private func text(_ body: ResponseBody) -> String {
        switch body {
        case .empty: return ""
        case .bytes(let buffer): return String(buffer: buffer)
        case .file, .parts, .stream: return "<not in memory>"
        }
    }

    @Test func wholeRepresentation() {
        let response = self.respond()
        #expect(response.head.status == .ok)
        #expect(response.head.headerFields[.contentLength] == "10")
        #expect(response.head.headerFields[.eTag] == "\"v1\"")
        #expect(response.head.headerFields[.lastModified] == "Mon, 12 Jan 1970 13:46:40 GMT")
        #expect(response.head.headerFields[.acceptRanges] == "bytes")
        #expect(response.head.headerFields[.cacheControl] == "max-age=60")
        #expect(self.text(response.body) == "0123456789")
    }

    @Test func headHasTheSameFieldsAndNoBody() {
        let get = self.respond()
        let head = self.respond(.head)
        #expect(head.head.headerFields == get.head.headerFields)
        #expect(head.body.count == 0)
    }

    @Test func notModifiedKeepsValidatorsDropsContentFields() {
        let response = self.respond(.get, [.ifNoneMatch: "\"v1\""])
        #expect(response.head.status == .notModified)
        #expect(response.head.headerFields[.eTag] == "\"v1\"")
        #expect(response.head.headerFields[.cacheControl] == "max-age=60")
        #expect(response.head.headerFields[.contentType] == nil)
        #expect(response.body.count == 0)
    }

    @Test func preconditionFailed() {
        #expect(self.respond(.get, [.ifMatch: "\"v0\""]).head.status == .preconditionFailed)
    }

    @Test func singleRange() {
        let response = self.respond(.get, [.range: "bytes=-3"])
        #expect(response.head.status == .partialContent)
        #expect(response.head.headerFields[.contentRange] == "bytes 7-9/10")
        #expect(response.head.headerFields[.contentLength] == "3")
        #expect(self.text(response.body) == "789")
    }

    @Test func multipleRangesAreMultipart() throws {
        let response = self.respond(.get, [.range: "bytes=0-1,5-6"])
        #expect(response.head.status == .partialContent)
        let type = try #require(response.head.headerFields[.contentType])
        #expect(type.hasPrefix("multipart/byteranges; boundary="))
        let boundary = String(type.dropFirst("multipart/byteranges; boundary=".count))
        guard case .parts(let parts) = response.body else {
            Issue.record("expected parts")
            return
        }
        let body = parts.map { part -> String in
            guard case .bytes(let buffer) = part else { return "" }
            return String(buffer: buffer)
        }.joined()
        let expected =
            "\r\n--\(boundary)\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 0-1/10\r\n\r\n01"
            + "\r\n--\(boundary)\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 5-6/10\r\n\r\n56"
            + "\r\n--\(boundary)--\r\n"
        #expect(body == expected)
        #expect(response.head.headerFields[.contentLength] == String(expected.utf8.count))
    }

    @Test func unsatisfiableRange() {
        let response = self.respond(.get, [.range: "bytes=10-"])
        #expect(response.head.status == .rangeNotSatisfiable)
        #expect(response.head.headerFields[.contentRange] == "bytes */10")
    }

    @Test func ifRangeWithCurrentValidatorsHonoursRange() {
        #expect(self.respond(.get, [.range: "bytes=0-0", .ifRange: "\"v1\""]).head.status == .partialContent)
        #expect(
            self.respond(.get, [.range: "bytes=0-0", .ifRange: "Mon, 12 Jan 1970 13:46:40 GMT"]).head.status
                == .partialContent
        )
    }

    @Test func ifRangeWithStaleValidatorsSendsWhole() {
        #expect(self.respond(.get, [.range: "bytes=0-0", .ifRange: "\"v0\""]).head.status == .ok)
        #expect(self.respond(.get, [.range: "bytes=0-0", .ifRange: "W/\"v1\""]).head.status == .ok)
        #expect(
            self.respond(.get, [.range: "bytes=0-0", .ifRange: "Mon, 12 Jan 1970 13:46:41 GMT"]).head.status == .ok
        )
    }

    @Test func rangeIsIgnoredOnHead() {
        #expect(self.respond(.head, [.range: "bytes=0-0"]).head.status == .ok)
    }
}
