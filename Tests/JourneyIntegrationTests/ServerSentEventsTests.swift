import Foundation
import Journey
import JourneyTestSupport
import Testing

/// Server-Sent Events and streamed bodies over real sockets, with curl, on every transport.
@Suite(.requires(.curl), .timeLimit(.minutes(2)))
struct ServerSentEventsTests {
    static func makeRouter() -> Router {
        var router = Router()
        router.get("/events") { request, _ in
            let first = Int(request.lastEventID ?? "0") ?? 0
            return Response.eventStream(heartbeat: nil) { events in
                for id in (first + 1)...(first + 3) {
                    try await events.send(ServerSentEvent(event: "tick", id: "\(id)", data: "line \(id)\nsecond"))
                }
            }
        }
        router.get("/forever") { _, _ in
            Response.eventStream(heartbeat: .milliseconds(50)) { events in
                try await events.send(ServerSentEvent(data: "hello"))
                // Waits until the client goes or the server shuts down.
                try await Task.sleep(for: .seconds(3600))
            }
        }
        router.get("/export") { _, _ in
            Response(
                status: .ok,
                headerFields: [.contentType: "text/csv"],
                body: .stream(
                    ResponseBodyStream(withTrailers: { writer in
                        for row in 0..<1000 { try await writer.write("\(row),\(row * row)\n") }
                        return [HTTPField.Name("X-Rows")!: "1000"]
                    })
                )
            )
        }
        return router
    }

    @Test(arguments: Transport.allCases) func eventsArriveFramedWithTheirIDs(over transport: Transport) async throws {
        try await TestServer.with(router: Self.makeRouter(), over: transport) { server async throws in
            let events = try await server.curl(["-N", server.url("/events")])
            #expect(events.status == 200)
            #expect(events.headers["content-type"] == "text/event-stream")
            #expect(events.headers["cache-control"] == "no-store")
            #expect(
                events.text == (1...3).map { "event: tick\nid: \($0)\ndata: line \($0)\ndata: second\n\n" }.joined()
            )
            let resumed = try await server.curl(["-N", "-H", "Last-Event-ID: 7", server.url("/events")])
            #expect(resumed.text.hasPrefix("event: tick\nid: 8\n"))
        }
    }

    @Test(arguments: Transport.allCases) func aStreamedBodyEndsWithItsTrailers(over transport: Transport) async throws {
        try await TestServer.with(router: Self.makeRouter(), over: transport) { server async throws in
            let export = try await server.curl([server.url("/export")])
            #expect(export.status == 200)
            #expect(export.headers["content-length"] == nil)
            #expect(export.text == (0..<1000).map { "\($0),\($0 * $0)\n" }.joined())
            // Over HTTP/1.1 chunked, the trailer in the last chunk (RFC 9112 §7.1.2); over HTTP/2 a HEADERS frame.
            #expect(export.trailers["x-rows"] == "1000")
            if transport.responseVersion == "HTTP/1.1" { #expect(export.headers["transfer-encoding"] == "chunked") }
            let head = try await server.curl(["-I", server.url("/export")])
            #expect(head.status == 200)
            #expect(head.headers["content-type"] == "text/csv")
        }
    }

    @Test func aHEADOfAStreamLeavesTheConnectionReadyForTheNextRequest() async throws {
        try await TestServer.with(router: Self.makeRouter()) { server async throws in
            let response = try await RawClient.exchange(
                "HEAD /export HTTP/1.1\r\nHost: x\r\n\r\nGET /events HTTP/1.1\r\nHost: x\r\n\r\n",
                port: server.port
            )
            let parts = response.components(separatedBy: "\r\n\r\n")
            #expect(parts.count >= 2)
            #expect(parts[0].hasPrefix("HTTP/1.1 200 OK"))
            #expect(parts[1].hasPrefix("HTTP/1.1 200 OK"))
        }
    }

    @Test(arguments: [Transport.http1, .h2c]) func shutdownEndsAnEndlessStreamCleanly(
        over transport: Transport
    ) async throws {
        let server = try await TestServer.start(router: Self.makeRouter(), over: transport)
        async let stream = server.curl(["-N", server.url("/forever")])
        try await waitAtMost(for: "the stream to open") {
            while server.server.connections.count == 0 {
                try Task.checkCancellation()
                await Task.yield()
            }
        }
        let clean = try await server.server.shutdown()
        #expect(clean)
        let received = try await stream
        // curl exits 0 only when the response ended as it should: the last chunk, or END_STREAM.
        #expect(received.exitStatus == 0)
        #expect(received.text.hasPrefix("data: hello\n\n"))
    }

    @Test(arguments: [Transport.http1, .h2c]) func aPubSubTopicReadsAsAnEventStream(
        over transport: Transport
    ) async throws {
        var configuration = Configuration()
        configuration.webSocket.pubSubPath = "/pubsub"
        try await TestServer.with(configuration, over: transport) { server async throws in
            async let stream = server.curl(["-N", "-H", "Accept: text/event-stream", server.url("/pubsub/news")])
            let hub = server.server.pubSubHub
            try await waitAtMost(for: "the event stream to subscribe") {
                while hub.subscriberCount(of: "news") == 0 {
                    try Task.checkCancellation()
                    await Task.yield()
                }
            }
            let published = try await server.curl([
                "-H", "Content-Type: application/json", "--data-binary", #"{"headline":"hi"}"#,
                server.url("/pubsub/news"),
            ])
            #expect(published.text == "{\"topic\":\"news\",\"subscribers\":1}\n")
            #expect(try await server.curl([server.url("/pubsub/news")]).status == 406)
            _ = try await server.server.shutdown()
            let received = try await stream
            #expect(received.headers["content-type"] == "text/event-stream")
            #expect(received.text.hasPrefix("data: {\"topic\":\"news\",\"data\":{\"headline\":\"hi\"}}\n\n"))
        }
    }
}
