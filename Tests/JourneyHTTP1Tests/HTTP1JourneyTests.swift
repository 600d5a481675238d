import JourneyConnection
import JourneyCore
import JourneyHTTP1
import NIOCore
import NIOEmbedded
import Testing

/// The stage clock on an `EmbeddedChannel`: stamps, Server-Timing, and what reaches the loop's recorder.
@Suite struct HTTP1JourneyTests {
    struct Hello: Responder {
        func respond(to request: Request, context: RequestContext) -> EventLoopFuture<Response> {
            context.eventLoop.makeSucceededFuture(.text("hello"))
        }
    }

    private func makeChannel(serverTiming: Bool) throws -> (EmbeddedChannel, JourneyRecorder) {
        let channel = EmbeddedChannel()
        let recorders = JourneyRecorders(
            group: channel.embeddedEventLoop,
            clock: JourneyClock(),
            keepsRecentRequests: true
        )
        var http1 = HTTP1Connection(responder: Hello())
        http1.responding.sendsServerTiming = serverTiming
        http1.responding.journey = recorders
        try http1.configure(channel)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40000)).wait()
        return (channel, try #require(recorders.recorder(on: channel.embeddedEventLoop)))
    }

    private func output(of channel: EmbeddedChannel) throws -> String {
        var output = ""
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { output += String(buffer: buffer) }
        return output
    }

    @Test func pipelinedRequestsEachGetTheirOwnTimelineAndServerTiming() throws {
        let (channel, recorder) = try self.makeChannel(serverTiming: true)
        let request = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
        try channel.writeInbound(ByteBuffer(string: request + request + request))
        let output = try self.output(of: channel)
        let timings = output.split(separator: "\r\n").filter { $0.hasPrefix("Server-Timing: ") }
        #expect(timings.count == 3)
        for timing in timings {
            #expect(
                timing.contains(
                    /^Server-Timing: read;dur=\d+\.\d{3}, parse;dur=\d+\.\d{3}, decode;dur=\d+\.\d{3}, process;dur=\d+\.\d{3}$/
                )
            )
        }

        let interval = recorder.takeInterval()
        #expect(interval.requests == 3)
        #expect(interval.statusClasses[2] == 3)
        #expect(interval.bodyBytes == 15)
        #expect(interval.accepted == 1)
        #expect(interval.stages[Stage.total.rawValue].count == 3)
        #expect(interval.stages[Stage.decrypt.rawValue].count == 0)
        // Between requests the connection is idle again.
        #expect(interval.phases[ConnectionPhase.idle.rawValue] == 1)
        #expect(interval.phases.reduce(0, +) == 1)
        for request in interval.recent {
            let timeline = request.timeline
            #expect(timeline.accepted <= timeline.firstByte)
            #expect(timeline.firstByte <= timeline.headArrived && timeline.headArrived <= timeline.headParsed)
            #expect(timeline.headParsed <= timeline.bodyDecoded && timeline.bodyDecoded <= timeline.processed)
            #expect(timeline.processed <= timeline.lastByteWritten)
        }
        _ = try? channel.finish()
        #expect(recorder.takeInterval().phases.reduce(0, +) == 0)
    }

    @Test func aHeadSplitOverReadsCountsItsReadTimeFromTheFirstByte() throws {
        let (channel, recorder) = try self.makeChannel(serverTiming: false)
        try channel.writeInbound(ByteBuffer(string: "GET /a HTTP/1.1\r\n"))
        #expect(recorder.takeInterval().phases[ConnectionPhase.reading.rawValue] == 1)
        try channel.writeInbound(ByteBuffer(string: "Host: x\r\n\r\n"))
        let output = try self.output(of: channel)
        #expect(output.hasPrefix("HTTP/1.1 200 OK"))
        #expect(!output.contains("Server-Timing"))
        let timeline = try #require(recorder.takeInterval().recent.first?.timeline)
        // The head arrived in the second read: the read stage spans both.
        #expect(timeline.headArrived > timeline.firstByte)
    }

    @Test func aStoppedClockCountsRequestsButNoStages() throws {
        let channel = EmbeddedChannel()
        let recorders = JourneyRecorders(
            group: channel.embeddedEventLoop,
            clock: JourneyClock(running: false),
            keepsRecentRequests: false
        )
        var http1 = HTTP1Connection(responder: Hello())
        http1.responding.journey = recorders
        try http1.configure(channel)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40000)).wait()
        try channel.writeInbound(ByteBuffer(string: "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"))
        _ = try self.output(of: channel)
        let interval = try #require(recorders.recorder(on: channel.embeddedEventLoop)).takeInterval()
        #expect(interval.requests == 1)
        #expect(interval.stages.allSatisfy { $0.count == 0 })
        #expect(interval.recent.isEmpty)
    }
}
