import NIOCore
import Testing

@testable import JourneyHTTP1

/// The fast path's look at the bytes: which heads it frames, which it could answer, and which it leaves to llhttp.
@Suite struct RequestHeadScanTests {
    private func scan(_ text: String, line: Int = 8192, head: Int = 16384) -> RequestHeadScan.Outcome {
        RequestHeadScan.scan(ByteBuffer(string: text), maximumLineLength: line, maximumHeadLength: head)
    }

    @Test func aPlainGetIsFramedWithItsPathWithoutTheQuery() {
        let text = "GET /a/b.html?x=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: wrk\r\nAccept: */*\r\n\r\n"
        #expect(
            self.scan(text + "GET /next")
                == .head(
                    RequestHeadScan(
                        length: text.utf8.count,
                        plainGETPath: "/a/b.html",
                        closes: false,
                        sendsAcceptEncoding: false,
                        isRoutable: true
                    )
                )
        )
    }

    @Test func theHostIsKeptOnlyWhenAskedFor() {
        let text = "GET /index.html HTTP/1.1\r\nHost: Shop.Example.com:8080\r\nAccept: */*\r\n\r\n"
        let bytes = ByteBuffer(string: text)
        guard
            case .head(let asked) = RequestHeadScan.scan(
                bytes,
                maximumLineLength: 8192,
                maximumHeadLength: 16384,
                capturesHost: true
            ),
            case .head(let unasked) = RequestHeadScan.scan(bytes, maximumLineLength: 8192, maximumHeadLength: 16384)
        else {
            Issue.record("not framed")
            return
        }
        #expect(asked.plainGETHost == "Shop.Example.com:8080")
        #expect(asked.plainGETPath == "/index.html")
        #expect(unasked.plainGETHost == nil)
        // A request the fast path cannot answer carries no host either.
        let ranged = ByteBuffer(string: "GET / HTTP/1.1\r\nHost: a\r\nRange: bytes=0-1\r\n\r\n")
        guard
            case .head(let head) = RequestHeadScan.scan(
                ranged,
                maximumLineLength: 8192,
                maximumHeadLength: 16384,
                capturesHost: true
            )
        else {
            Issue.record("not framed")
            return
        }
        #expect(head.plainGETPath == nil)
        #expect(head.plainGETHost == nil)
    }

    @Test(arguments: [
        ("Connection: close", true, false), ("Connection: keep-alive", false, false),
        ("connection:  Keep-Alive , close\t", true, false), ("Accept-Encoding: gzip", false, true),
        ("Content-Length: 0", false, false), ("X-Anything: \u{7F}".replacing("\u{7F}", with: "é"), false, false),
    ])
    func fieldsThatKeepItPlain(field: String, closes: Bool, acceptEncoding: Bool) throws {
        let text = "GET /f HTTP/1.1\r\nHost: x\r\n\(field)\r\n\r\n"
        guard case .head(let head) = self.scan(text) else {
            Issue.record("not framed: \(field)")
            return
        }
        #expect(head.plainGETPath == "/f")
        #expect(head.closes == closes)
        #expect(head.sendsAcceptEncoding == acceptEncoding)
        #expect(head.length == text.utf8.count)
    }

    /// Framed (llhttp reads exactly this head as one request) but answered by the full path.
    @Test(arguments: [
        "HEAD /f HTTP/1.1\r\nHost: x\r\n\r\n", "get /f HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /f HTTP/1.0\r\nHost: x\r\n\r\n",
        "GET /f HTTP/1.0\r\n\r\n", "GET /f HTTP/1.1\r\n\r\n", "GET /f HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
        "GET /f HTTP/1.1\r\nHost:\r\n\r\n", "GET /f HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"a\"\r\n\r\n",
        "GET /f HTTP/1.1\r\nHost: x\r\nIF-MODIFIED-SINCE: x\r\n\r\n",
        "GET /f HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1\r\n\r\n",
        "GET /f HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n",
        "GET /f HTTP/1.1\r\nHost: x\r\nConnection: te\r\n\r\n",
        "GET http://x/f HTTP/1.1\r\nHost: x\r\n\r\n", "GET * HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /f#frag HTTP/1.1\r\nHost: x\r\n\r\n", "DELETE /f HTTP/1.1\r\nHost: x\r\n\r\n",
        // A Host that is not `uri-host [ ":" port ]`: the full path answers 400.
        "GET /f HTTP/1.1\r\nHost: a b/c\r\n\r\n", "GET /f HTTP/1.1\r\nHost: u@x\r\n\r\n",
        "GET /f HTTP/1.1\r\nHost: x:123456\r\n\r\n", "GET /f HTTP/1.1\r\nHost: [zz]\r\n\r\n",
    ])
    func framedButNotPlain(text: String) {
        guard case .head(let head) = self.scan(text) else {
            Issue.record("not framed: \(text.debugDescription)")
            return
        }
        #expect(head.plainGETPath == nil)
        #expect(head.length == text.utf8.count)
    }

    /// A body, a protocol switch, or anything llhttp must judge (it answers 400, 414, 431, 505 or switches).
    @Test(arguments: [
        "POST /f HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
        "GET /f HTTP/1.1\r\nHost: x\r\nContent-Length: 00\r\n\r\n",
        "GET /f HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n",
        "GET /f HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
        "GET /f HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\n\r\n", "CONNECT x:443 HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /f HTTP/1.1\nHost: x\r\n\r\n", "GET /f HTTP/1.1\r\nHost: x\n\r\n", "GET /f HTTP/1.1\r\nHost : x\r\n\r\n",
        "GET /f HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", "GET /f HTTP/1.1\r\nHost: x\u{0}y\r\n\r\n",
        "GET /f HTTP/1.1\r\nHost: x\ry\r\n\r\n", "GET /f\u{1} HTTP/1.1\r\nHost: x\r\n\r\n", "GET  /f HTTP/1.1\r\n\r\n",
        "GET /f HTTP/2.0\r\nHost: x\r\n\r\n", "GET /f HTTP/1.1 \r\nHost: x\r\n\r\n", " GET /f HTTP/1.1\r\n\r\n",
        "\r\nGET /f HTTP/1.1\r\nHost: x\r\n\r\n", "GET /f HTTP/1.1\r\n: x\r\n\r\n", "G(T /f HTTP/1.1\r\n\r\n",
    ])
    func leftToLlhttp(text: String) {
        #expect(self.scan(text) == .unframeable, "\(text.debugDescription)")
    }

    @Test func everyCutOfAHeadIsIncomplete() {
        let text = "GET /f HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n"
        for length in 0..<text.utf8.count {
            let cut = String(decoding: Array(text.utf8.prefix(length)), as: UTF8.self)
            #expect(self.scan(cut) == .incomplete, "\(cut.debugDescription)")
        }
    }

    @Test func headsBeyondTheLimitsAreLlhttps() {
        let long = "GET /\(String(repeating: "a", count: 100)) HTTP/1.1\r\nHost: x\r\n\r\n"
        #expect(self.scan(long, line: 64) == .unframeable)
        #expect(self.scan(long, head: 64) == .unframeable)
        #expect(self.scan(String(long.prefix(60)), head: 64) == .incomplete)
        guard case .head = self.scan(long, line: 120, head: 130) else {
            Issue.record("not framed within the limits")
            return
        }
    }
}
