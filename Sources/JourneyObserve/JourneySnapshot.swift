import JourneyCore

/// The journey at one moment, as the dashboard draws it: totals, the last 10 seconds' stage percentiles,
/// a minute of rates, the last requests and the kernel's accept queues.
public struct JourneySnapshot: Sendable {
    /// Everything counted since the server started (phases: now).
    public var totals: JourneyInterval
    /// The last `JourneyStatistics.windowSeconds` seconds.
    public var window: JourneyInterval
    /// Requests per second, oldest first.
    public var requestRates: [UInt64]
    /// Body bytes per second, oldest first.
    public var byteRates: [UInt64]
    /// The last requests, oldest first.
    public var recent: [RecentRequest]
    /// Each listener's accept queue.
    public var acceptQueues: [AcceptQueueSample]
    /// The host's listen-queue drop counters, risen since the server started.
    public var listenCounters: ListenQueueCounters
    /// The kernel's receive and send queues of the server's connections, when sampled.
    public var sockets: SocketQueues?
    /// The median smoothed round-trip time of a sample of connections (TCP_INFO), when sampled.
    public var roundTripMicroseconds: Int?
    /// Whether accepting is paused (by the connection cap or an operator).
    public var acceptingPaused = false
    /// This instance's id among several (`--instance-id`).
    public var instance: String?
    /// What the pub/sub backplane did, when there is one.
    public var backplane: BackplaneStatistics.Snapshot?

    /// The snapshot as one JSON object (what `/_journey/live` sends every 500 ms).
    public var json: String {
        var out = "{\"requests\":\(self.totals.requests),\"fastPath\":\(self.totals.fastPathAnswers)"
        out += ",\"bytes\":\(self.totals.bodyBytes)"
        out += ",\"accepted\":\(self.totals.accepted),\"acceptingPaused\":\(self.acceptingPaused)"
        out += ",\"status\":{"
        out += ["1xx", "2xx", "3xx", "4xx", "5xx"].enumerated()
            .map { "\"\($1)\":\(self.totals.statusClasses[$0 + 1])" }.joined(separator: ",")
        out += "},\"connections\":{"
        out += ConnectionPhase.allCases.map { "\"\($0.name)\":\(self.totals.phases[$0.rawValue])" }
            .joined(separator: ",")
        out += "},\"requestRates\":[" + self.requestRates.map(String.init).joined(separator: ",")
        out += "],\"byteRates\":[" + self.byteRates.map(String.init).joined(separator: ",")
        out += "],\"stages\":{"
        out += Stage.allCases.map { stage in
            let histogram = self.window.stages[stage.rawValue]
            let percentiles = [0.5, 0.9, 0.99].map { fraction in
                histogram.value(atFraction: fraction).map { String(Self.microseconds($0)) } ?? "null"
            }
            return "\"\(stage.name)\":{\"count\":\(histogram.count),\"p50\":\(percentiles[0]),"
                + "\"p90\":\(percentiles[1]),\"p99\":\(percentiles[2])}"
        }.joined(separator: ",")
        out += "},\"recent\":[" + self.recent.map(Self.json(for:)).joined(separator: ",")
        out +=
            "],\"listeners\":["
            + self.acceptQueues.map { queue in
                var name = ""
                JSONText.append(queue.listener, to: &name)
                var protocolName = ""
                JSONText.append(queue.protocolName, to: &protocolName)
                return "{\"listener\":\(name),\"protocol\":\(protocolName),\"depth\":\(queue.depth)"
                    + ",\"limit\":\(queue.limit)}"
            }.joined(separator: ",")
        let counters = self.listenCounters
        out += "],\"kernel\":{\"listenOverflows\":\(counters.listenOverflows),\"listenDrops\":\(counters.listenDrops)"
        out += ",\"synQueueFullDrops\":\(counters.synQueueFullDrops),\"synCookiesSent\":\(counters.synCookiesSent)}"
        let slow = self.totals.slowClients
        out += ",\"slowClients\":{\"slowBodies\":\(slow.slowBodies),\"belowMinimumRate\":\(slow.bodiesBelowMinimumRate)"
        out += ",\"lingeringCloses\":\(slow.lingeringCloses),\"lingeringBytes\":\(slow.lingeringBytesDiscarded)}"
        if let sockets = self.sockets {
            out += ",\"sockets\":{\"connections\":\(sockets.connections),\"receiveQueue\":\(sockets.receiveQueueBytes)"
            out += ",\"sendQueue\":\(sockets.sendQueueBytes),\"largestSendQueue\":\(sockets.largestSendQueueBytes)}"
        }
        if let rtt = self.roundTripMicroseconds { out += ",\"rttMicroseconds\":\(rtt)" }
        out += ",\"protocols\":[" + self.totals.protocols.map(self.json(for:)).joined(separator: ",") + "]"
        out += ",\"handshakes\":[" + self.totals.handshakes.map(self.json(for:)).joined(separator: ",") + "]"
        // Each site since the start: requests, by status class, and body bytes.
        let sites = self.totals.sites.sorted { $0.key < $1.key }.map { site, tally in
            "{\"site\":" + JSONText.quoted(site) + ",\"requests\":\(tally.requests),\"status\":["
                + tally.statusClasses.dropFirst().map(String.init).joined(separator: ",")
                + "],\"bytes\":\(tally.bodyBytes)}"
        }
        out += ",\"sites\":[" + sites.joined(separator: ",") + "]"
        if let instance = self.instance { out += ",\"instance\":" + JSONText.quoted(instance) }
        if let backplane = self.backplane { out += ",\"backplane\":" + backplane.json }
        return out + "}"
    }

    /// A TLS listener's line: its handshakes since the start (versions and ALPN results too) and the window's
    /// handshake percentiles (the Decrypt stage).
    private func json(for tally: HandshakeTally) -> String {
        var name = ""
        JSONText.append(tally.listener, to: &name)
        let window = self.window.handshakes.first { $0.listener == tally.listener } ?? HandshakeTally(listener: "")
        let percentiles = [0.5, 0.99].map { fraction in
            window.durations.value(atFraction: fraction).map { String(Self.microseconds($0)) } ?? "null"
        }
        func object(_ counts: [String: UInt64]) -> String {
            "{"
                + counts.sorted { $0.key < $1.key }.map { key, count in
                    var quoted = ""
                    JSONText.append(key, to: &quoted)
                    return "\(quoted):\(count)"
                }.joined(separator: ",") + "}"
        }
        return "{\"listener\":\(name),\"completed\":\(tally.completed),\"failed\":\(tally.failed)"
            + ",\"windowCompleted\":\(window.completed),\"p50\":\(percentiles[0]),\"p99\":\(percentiles[1])"
            + ",\"versions\":\(object(tally.versions)),\"alpn\":\(object(tally.applicationProtocols))}"
    }

    /// A wire protocol's line: its counts since the start, its rate and stage percentiles over the window.
    private func json(for tally: ProtocolTally) -> String {
        var name = ""
        JSONText.append(tally.name, to: &name)
        let window = self.window.protocols.first { $0.name == tally.name } ?? ProtocolTally(name: tally.name)
        let stages = [Stage.read, .parse, .process, .write, .total].map { stage in
            let histogram = window.stages[stage.rawValue]
            let percentiles = [0.5, 0.99].map { fraction in
                histogram.value(atFraction: fraction).map { String(Self.microseconds($0)) } ?? "null"
            }
            return "\"\(stage.name)\":{\"p50\":\(percentiles[0]),\"p99\":\(percentiles[1])}"
        }
        return "{\"name\":\(name),\"open\":\(tally.openConnections),\"connections\":\(tally.connectionsOpened)"
            + ",\"messages\":\(tally.messages),\"windowMessages\":\(window.messages)"
            + ",\"malformedFrames\":\(tally.malformedFrames),\"idleTimeouts\":\(tally.idleTimeouts)"
            + ",\"stages\":{" + stages.joined(separator: ",") + "}}"
    }

    /// A waterfall row: each stamp in microseconds after the request's first byte.
    private static func json(for request: RecentRequest) -> String {
        let timeline = request.timeline
        let origin = timeline.firstByte
        func offset(_ instant: UInt64) -> String {
            instant >= origin && instant != 0 && origin != 0 ? String(Self.microseconds(instant - origin)) : "null"
        }
        var target = ""
        JSONText.append(request.path, to: &target)
        var method = ""
        JSONText.append(request.method, to: &method)
        // The handshake, when the request carried it, goes before its first byte: a negative offset.
        let handshake =
            timeline.tlsDone != 0 && timeline.accepted != 0 && origin >= timeline.accepted
            ? "-" + String(Self.microseconds(origin - timeline.accepted)) : "null"
        var requestID = ""
        JSONText.append(request.requestID, to: &requestID)
        var client = ""
        JSONText.append(request.client, to: &client)
        return "{\"method\":\(method),\"path\":\(target),\"status\":\(request.status),\"bytes\":\(request.bodyBytes)"
            + ",\"requestID\":\(requestID),\"client\":\(client)"
            + ",\"handshake\":\(handshake)"
            + ",\"headArrived\":\(offset(timeline.headArrived)),\"headParsed\":\(offset(timeline.headParsed))"
            + ",\"bodyDecoded\":\(offset(timeline.bodyDecoded)),\"processed\":\(offset(timeline.processed))"
            + ",\"written\":\(offset(timeline.lastByteWritten))}"
    }

    private static func microseconds(_ nanoseconds: UInt64) -> UInt64 {
        (nanoseconds + 500) / 1000
    }
}
