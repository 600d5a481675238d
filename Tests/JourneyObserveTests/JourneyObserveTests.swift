import Foundation
import JourneyCore
import JourneyObserve
import NIOCore
import NIOPosix
import Testing

@Suite struct ListenQueueCountersTests {
    static let netstat = """
        TcpExt: SyncookiesSent SyncookiesRecv SyncookiesFailed ListenOverflows ListenDrops TCPReqQFullDrop
        TcpExt: 3 0 0 17 19 2
        IpExt: InNoRoutes InTruncatedPkts
        IpExt: 0 0

        """

    @Test func readsTheTcpExtPair() throws {
        let counters = try #require(ListenQueueCounters(netstat: Substring(Self.netstat)))
        #expect(counters.synCookiesSent == 3)
        #expect(counters.listenOverflows == 17)
        #expect(counters.listenDrops == 19)
        #expect(counters.synQueueFullDrops == 2)
    }

    @Test func refusesTextWithoutTcpExt() {
        #expect(ListenQueueCounters(netstat: "IpExt: A B\nIpExt: 1 2\n") == nil)
        #expect(ListenQueueCounters(netstat: "") == nil)
    }

    @Test func risesAreNeverNegative() throws {
        var earlier = ListenQueueCounters()
        earlier.listenOverflows = 20
        let now = try #require(ListenQueueCounters(netstat: Substring(Self.netstat)))
        #expect(now.since(earlier).listenOverflows == 0)
        #expect(now.since(ListenQueueCounters()).listenDrops == 19)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/net/netstat")))
    func readsThisHostsCounters() {
        #expect(ListenQueueCounters.read() != nil)
    }
}

@Suite struct JourneyLogFormatTests {
    @Test func aLineIsOneJSONObjectWithTheStages() throws {
        let timeline = RequestTimeline.stamped(headParsed: 3_000, processed: 10_000, written: 21_000)
        let entry = AccessLogEntry(
            remoteAddress: try SocketAddress(ipAddress: "10.0.0.1", port: 5),
            time: 1_764_194_453,
            requestLine: "GET /a\"b\\c\u{1} HTTP/1.1",
            status: 200,
            bodyBytes: 12,
            referer: nil,
            userAgent: "curl/8 ünï",
            timeline: timeline
        )
        let line = JourneyLogFormat.line(for: entry)
        #expect(line.hasSuffix("}\n"))
        #expect(line.filter { $0 == "\n" }.count == 1)
        let object = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["request"] as? String == "GET /a\"b\\c\u{1} HTTP/1.1")
        #expect(object["user_agent"] as? String == "curl/8 ünï")
        #expect(object["referer"] is NSNull)
        #expect(object["remote"] as? String == "10.0.0.1")
        let journey = try #require(object["journey_us"] as? [String: Int])
        #expect(journey == ["total": 20, "read": 0, "parse": 2, "decode": 0, "process": 7, "write": 11])
    }

    @Test func combinedFormatEscapesNonASCIIAsNginxDoes() {
        let entry = AccessLogEntry(
            remoteAddress: nil,
            time: 0,
            requestLine: "GET /é HTTP/1.1",
            status: 404,
            bodyBytes: 0,
            referer: nil,
            userAgent: nil
        )
        #expect(AccessLogFormat.combined.line(for: entry).contains("\"GET /\\xC3\\xA9 HTTP/1.1\""))
    }
}

@Suite struct AccessLogTemplateTests {
    @Test func variablesArePutInAndClientTextEscaped() throws {
        var entry = AccessLogEntry(
            remoteAddress: try SocketAddress(ipAddress: "10.0.0.1", port: 5),
            time: 1_765_037_626,
            requestLine: "GET /\"x HTTP/1.1",
            status: 201,
            bodyBytes: 12,
            referer: nil,
            userAgent: "curl/8",
            timeline: RequestTimeline.stamped(headParsed: 3_000, processed: 10_000, written: 1_521_000_000),
            requestID: "abc"
        )
        entry.host = "example.com"
        let template = try AccessLogTemplate(
            "$remote_addr $host [$time_local] $time_iso8601 \"$request\" $status ${body_bytes_sent}B "
                + "\"$http_referer\" $http_user_agent $request_id $request_time $ssl_protocol"
        )
        #expect(
            template.line(for: entry)
                == "10.0.0.1 example.com [06/Dec/2025:16:13:46 +0000] 2025-12-06T16:13:46+00:00 \"GET /\\x22x HTTP/1.1\" "
                + "201 12B \"-\" curl/8 abc 1.521 -\n"
        )
        #expect(AccessLogFormat("$status $request")?.line(for: entry) == "201 GET /\\x22x HTTP/1.1\n")
        #expect(AccessLogFormat("combined") == .combined)
        #expect(AccessLogFormat("journey")?.description == "journey")
        #expect(AccessLogFormat("plain words") == nil)
    }

    @Test func anUnknownVariableIsRefusedByName() {
        #expect(throws: AccessLogTemplate.UnknownVariable.self) { try AccessLogTemplate("$status $upstream_addr") }
        #expect(AccessLogFormat("$nope") == nil)
    }
}

@Suite struct JourneyStatisticsTests {
    @Test func collectedCountsReachTheSnapshotAndPrometheus() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let loop = group.next()
        let recorders = JourneyRecorders(group: group, clock: JourneyClock(), keepsRecentRequests: true)
        let statistics = JourneyStatistics(recorders: recorders, exposesMetrics: true)
        // The recorder belongs to its loop: everything is counted there, as the stages do.
        try await loop.submit {
            let recorder = try #require(recorders.recorder(on: loop))
            recorder.connectionOpened()
            recorder.connection(movedFrom: .idle, to: .reading)
            let timeline = RequestTimeline.stamped(headParsed: 21_000, processed: 121_000, written: 1_121_000)
            for status in [200, 200, 404] {
                let request = Request(head: .init(method: .get, scheme: nil, authority: nil, path: "/x"))
                recorder.requestFinished(timeline, status: status, bodyBytes: 100, request: request)
            }
        }.get()
        await statistics.collect(closingSecond: true)

        let snapshot = statistics.snapshot()
        #expect(snapshot.totals.requests == 3)
        #expect(snapshot.totals.statusClasses[2] == 2 && snapshot.totals.statusClasses[4] == 1)
        #expect(snapshot.totals.phases[ConnectionPhase.reading.rawValue] == 1)
        #expect(snapshot.requestRates == [3])
        #expect(snapshot.recent.count == 3)
        // Collecting again neither repeats the waterfall nor piles requests up in the totals.
        await statistics.collect(closingSecond: true)
        #expect(statistics.snapshot().recent.count == 3)
        #expect(statistics.snapshot().totals.recent.isEmpty)
        let parse = try #require(snapshot.window.stages[Stage.parse.rawValue].value(atFraction: 0.5))
        #expect(parse >= 20_000 && parse <= 21_250)
        let json = try #require(JSONSerialization.jsonObject(with: Data(snapshot.json.utf8)) as? [String: Any])
        #expect(json["requests"] as? Int == 3)

        let text = String(decoding: statistics.exposition(), as: UTF8.self)
        #expect(text.contains("journey_requests_total{status_class=\"2xx\"} 2"))
        #expect(text.contains("journey_stage_duration_seconds_count{stage=\"total\"} 3"))
        #expect(text.contains("journey_connections{phase=\"reading\"} 1"))
    }

    @Test func recentRequestsKeepTheLastFifty() throws {
        let recorder = JourneyRecorder(clock: JourneyClock(), keepsRecentRequests: true)
        for index in 0..<120 {
            let request = Request(head: .init(method: .get, scheme: nil, authority: nil, path: "/\(index)"))
            recorder.requestFinished(RequestTimeline(), status: 200, bodyBytes: 0, request: request)
        }
        let recent = recorder.takeInterval().recent
        #expect(recent.map(\.path) == (70..<120).map { "/\($0)" })
        // Each interval hands over only what finished since the last one.
        #expect(recorder.takeInterval().recent.isEmpty)
        let request = Request(head: .init(method: .get, scheme: nil, authority: nil, path: "/120"))
        recorder.requestFinished(RequestTimeline(), status: 200, bodyBytes: 0, request: request)
        #expect(recorder.takeInterval().recent.map(\.path) == ["/120"])
    }
}

@Suite struct SocketQueuesTests {
    static let table = """
          sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
           0: 0100007F:1F90 00000000:0000 0A 00000000:00000003 00:00000000 00000000     0        0 1 1
           1: 0100007F:1F90 0100007F:C350 01 00000100:00000020 00:00000000 00000000     0        0 2 1
           2: 0100007F:1F90 0100007F:C351 01 00001000:00000000 00:00000000 00000000     0        0 3 1
           3: 0100007F:0050 0100007F:C352 01 00000010:00000010 00:00000000 00000000     0        0 4 1

        """

    @Test func sumsTheEstablishedSocketsOfTheServersPorts() {
        var queues = SocketQueues()
        queues.add(table: Substring(Self.table), ports: [8080])
        #expect(queues.connections == 2)  // the LISTEN socket and port 80 are left out
        #expect(queues.sendQueueBytes == 0x1100)
        #expect(queues.receiveQueueBytes == 0x20)
        #expect(queues.largestSendQueueBytes == 0x1000)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/net/tcp")))
    func readsThisHostsTables() {
        #expect(SocketQueues.read(ports: [1]) != nil)
    }
}

extension RequestTimeline {
    /// A bodiless request whose head arrived whole at 1 µs on the clock, parsed, processed and written at the
    /// given instants.
    static func stamped(headParsed: UInt64, processed: UInt64, written: UInt64) -> RequestTimeline {
        var timeline = RequestTimeline()
        timeline.firstByte = 1_000
        timeline.headArrived = 1_000
        timeline.headParsed = headParsed
        timeline.bodyDecoded = headParsed
        timeline.processed = processed
        timeline.lastByteWritten = written
        return timeline
    }
}
