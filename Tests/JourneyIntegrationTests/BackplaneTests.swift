import Foundation
import Journey
import JourneyRESP
import JourneyTestSupport
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing
import WSClient

/// Several `journey serve` processes sharing pub/sub topics through a real redis-server (and behind a real
/// HAProxy), each started and stopped by its test.
/// One at a time: each starts several processes, and together they would load the machine for the other suites.
@Suite(.serialized, .timeLimit(.minutes(3))) struct BackplaneTests {
    static let logger = Logger(label: "backplane-test")

    // MARK: The scenarios

    @Test(.requires(.redisServer, .curl))
    func aPublishOnAnyInstanceReachesTheSubscribersOfEveryInstance() async throws {
        let directory = try TemporaryDirectory()
        let redis = try await RedisServer.start(in: directory)
        defer { redis.stop() }
        let instances = try await JourneyInstance.start(3, redis: redis.url)
        let subscribers = try await instances.asyncMap { try await PubSubClient(port: $0.port, topic: "news") }
        try await redis.waitForListeners(of: "news", count: 3)
        for instance in instances {
            let answer = try await Curl.run(["-d", "from \(instance.number)", instance.url("/pubsub/news")])
            #expect(answer.status == 200)
            #expect(answer.text.contains(#""instances":3"#))
        }
        var orders: [[String]] = []
        for subscriber in subscribers {
            orders.append(try await subscriber.data(count: 3).map { $0 as? String ?? "?" })
        }
        #expect(Set(orders[0]) == ["from 0", "from 1", "from 2"])
        #expect(orders.allSatisfy { $0 == orders[0] })
    }

    /// Three publishers on three instances, a subscriber on each: every subscriber sees the same order, which keeps
    /// each publisher's.
    @Test(.requires(.redisServer))
    func aThousandMessagesFromThreeConcurrentPublishersArriveInOneOrderEverywhere() async throws {
        let directory = try TemporaryDirectory()
        let redis = try await RedisServer.start(in: directory, tcp: true)
        defer { redis.stop() }
        // Over TCP this time: redis://127.0.0.1:PORT.
        let instances = try await JourneyInstance.start(3, redis: redis.tcpURL)
        let subscribers = try await instances.asyncMap { try await PubSubClient(port: $0.port, topic: "t") }
        try await redis.waitForListeners(of: "t", count: 3)
        let counts = [334, 333, 333]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, instance) in instances.enumerated() {
                group.addTask {
                    let publisher = try await PubSubClient(port: instance.port, topic: nil)
                    for number in 0..<counts[index] {
                        publisher.send(#"{"op":"publish","topic":"t","data":{"p":\#(index),"n":\#(number)}}"#)
                    }
                    // Everything sent before the close goes out before it.
                    await publisher.closeAndWait()
                }
            }
            try await group.waitForAll()
        }
        var sequences: [[String]] = []
        for subscriber in subscribers {
            let data = try await subscriber.data(count: 1000)
            let pairs = data.compactMap { $0 as? [String: Int] }.map { "\($0["p"] ?? -1):\($0["n"] ?? -1)" }
            #expect(pairs.count == 1000)
            sequences.append(pairs)
        }
        #expect(sequences[1] == sequences[0])
        #expect(sequences[2] == sequences[0])
        for publisher in 0..<3 {
            let numbers = sequences[0].filter { $0.hasPrefix("\(publisher):") }.map { Int($0.split(separator: ":")[1]) }
            #expect(numbers == (0..<counts[publisher]).map { $0 })
        }
    }

    @Test(.requires(.redisServer, .curl))
    func whileRedisIsDownPublishesAre503AndDeliveriesResumeWithinFiveSecondsOfItsReturn() async throws {
        let directory = try TemporaryDirectory()
        var redis = try await RedisServer.start(in: directory)
        let instances = try await JourneyInstance.start(2, redis: redis.url)
        let subscriber = try await PubSubClient(port: instances[0].port, topic: "t")
        try await redis.waitForListeners(of: "t", count: 1)
        #expect(try await Curl.run(["-d", "before", instances[1].url("/pubsub/t")]).status == 200)
        #expect(try await subscriber.data(count: 1).first as? String == "before")

        redis.stop()
        let refused = try await waitAtMost(for: "a publish to be refused") {
            while true {
                let answer = try await Curl.run(["-d", "lost", instances[1].url("/pubsub/t")])
                if answer.status == 503 { return answer }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        #expect(refused.text == "{\"error\":\"backplane unavailable\"}\n")
        #expect(refused.headers["retry-after"] == "1")
        let publisher = try await PubSubClient(port: instances[1].port, topic: nil)
        publisher.send(#"{"op":"publish","topic":"t","data":"lost"}"#)
        #expect(try await publisher.texts(count: 1) == [#"{"error":"backplane unavailable"}"#])

        redis = try await RedisServer.start(in: directory)
        defer { redis.stop() }
        let restarted = ContinuousClock.now
        // Published until one gets through: the first delivery is the measure.
        let delivered = try await waitAtMost(.seconds(10), for: "deliveries to resume") {
            var attempt = 0
            while true {
                attempt += 1
                let answer = try await Curl.run(["-d", "after \(attempt)", instances[1].url("/pubsub/t")])
                // Delivered once the subscriber's instance listens again.
                if answer.status == 200, answer.text.contains(#""instances":1"#) { return attempt }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        let resumed = ContinuousClock.now - restarted
        #expect(try await subscriber.data(count: 1).first as? String == "after \(delivered)")
        #expect(resumed < .seconds(5), "deliveries resumed \(resumed) after Redis came back")
        let metrics = try await Curl.run([instances[0].url("/metrics")]).text
        #expect(metrics.contains(#"journey_pubsub_backplane_reconnects_total{instance="i0"} 1"#))
        #expect(metrics.contains(#"journey_pubsub_backplane_connected{instance="i0"} 1"#))
    }

    @Test(.requires(.redisServer, .curl))
    func aSubscriberBackWithItsLastIDGetsExactlyTheTwoHundredItMissed() async throws {
        let directory = try TemporaryDirectory()
        let redis = try await RedisServer.start(in: directory)
        defer { redis.stop() }
        let instances = try await JourneyInstance.start(2, redis: redis.url, arguments: ["--pubsub-history", "1000"])
        let first = try await PubSubClient(port: instances[0].port, topic: "h")
        try await redis.waitForListeners(of: "h", count: 1)
        for number in 0..<5 { _ = try await Curl.run(["-d", "seen \(number)", instances[1].url("/pubsub/h")]) }
        let seen = try await first.deliveries(count: 5)
        let lastID = try #require(seen.last?["id"] as? String)
        first.close()
        for number in 0..<200 {
            let answer = try await Curl.run(["-d", "missed \(number)", instances[1].url("/pubsub/h")])
            #expect(answer.text.contains(#""id":""#))
        }
        let back = try await PubSubClient(
            port: instances[1].port,
            command: #"{"op":"subscribe","topic":"h","since":"\#(lastID)"}"#
        )
        let recovery = try await back.objects(count: 1)
        #expect(recovery.first?["recovered"] as? Bool == true)
        let missed = try await back.deliveries(count: 200)
        #expect(missed.map { $0["data"] as? String } == (0..<200).map { "missed \($0)" })
        _ = try await Curl.run(["-d", "live", instances[0].url("/pubsub/h")])
        #expect(try await back.deliveries(count: 1).first?["data"] as? String == "live")

        // A position the history never had: the application must reload.
        let lost = try await PubSubClient(
            port: instances[0].port,
            command: #"{"op":"subscribe","topic":"h","since":"gone:1-0"}"#
        )
        #expect(try await lost.objects(count: 1).first?["recovered"] as? Bool == false)
    }

    /// A Redis that stops answering (DEBUG SLEEP) blocks no event loop: pages are answered meanwhile, a publish is
    /// refused once the reply timeout (2 s) has passed, and deliveries resume once Redis answers again.
    @Test(.requires(.redisServer, .curl))
    func aRedisThatStopsAnsweringBlocksNothingAndIsRecoveredFrom() async throws {
        let directory = try TemporaryDirectory()
        let redis = try await RedisServer.start(in: directory, arguments: ["--enable-debug-command", "yes"])
        defer { redis.stop() }
        let instances = try await JourneyInstance.start(1, redis: redis.url)
        let subscriber = try await PubSubClient(port: instances[0].port, topic: "s")
        try await redis.waitForListeners(of: "s", count: 1)
        let client = try await redis.client()
        defer { _ = client.close() }
        let asleep = client.send(["DEBUG", "SLEEP", "4"])
        let publish = Task { try await Curl.run(["-d", "during", instances[0].url("/pubsub/s")]) }
        let started = ContinuousClock.now
        #expect(try await Curl.run([instances[0].url("/")]).status == 200)
        #expect(ContinuousClock.now - started < .seconds(1), "a page waited for Redis")
        let refused = try await publish.value
        #expect(refused.status == 503)
        _ = try await asleep.get()
        try await waitAtMost(for: "deliveries to resume") {
            while true {
                let answer = try await Curl.run(["-d", "after", instances[0].url("/pubsub/s")])
                if answer.status == 200, answer.text.contains(#""instances":1"#) { return }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        // A refused publish may still have reached Redis (it was sent; its answer did not come in time), and is
        // then delivered if the instance listened again before Redis ran it: "after" is next, or next but one.
        let next = try await subscriber.data(count: 1).first as? String
        if next == "during" {
            #expect(try await subscriber.data(count: 1).first as? String == "after")
        } else {
            #expect(next == "after")
        }
    }

    /// Redis cuts one instance's subscriber connection (as it does at `client-output-buffer-limit pubsub`): the cut
    /// is counted, the instance comes back, and fills the gap from the topic's history, so its subscriber misses
    /// nothing and sees nothing twice.
    @Test(.requires(.redisServer, .curl))
    func aCutSubscriberConnectionIsCountedAndItsGapFilledFromTheHistory() async throws {
        let directory = try TemporaryDirectory()
        let redis = try await RedisServer.start(in: directory)
        defer { redis.stop() }
        let instances = try await JourneyInstance.start(2, redis: redis.url, arguments: ["--pubsub-history", "500"])
        let subscriber = try await PubSubClient(port: instances[0].port, topic: "g")
        try await redis.waitForListeners(of: "g", count: 1)
        _ = try await Curl.run(["-d", "0", instances[1].url("/pubsub/g")])
        #expect(try await subscriber.data(count: 1).first as? String == "0")
        let client = try await redis.client()
        defer { _ = client.close() }
        let list = try #require(try await client.send(["CLIENT", "LIST"]).get().text)
        let line = try #require(list.split(separator: "\n").first { $0.contains("name=journey-i0-sub") })
        let id = try #require(line.split(separator: " ").first { $0.hasPrefix("id=") }?.dropFirst(3))
        _ = try await client.send(["CLIENT", "KILL", "ID", String(id)]).get()
        // Published while instance 0 is away: they wait in the stream.
        for number in 1...20 { _ = try await Curl.run(["-d", "\(number)", instances[1].url("/pubsub/g")]) }
        #expect(try await subscriber.data(count: 20).map { $0 as? String } == (1...20).map { "\($0)" })
        let metrics = try await Curl.run([instances[0].url("/metrics")]).text
        #expect(metrics.contains(#"journey_pubsub_backplane_subscriber_cuts_total{instance="i0"} 1"#))
        #expect(metrics.contains(#"journey_pubsub_backplane_recoveries_total{instance="i0"} 1"#))
        _ = try await Curl.run(["-d", "21", instances[1].url("/pubsub/g")])
        #expect(try await subscriber.data(count: 1).first as? String == "21")
    }

    /// An ACL user's password and a database in the URL: logged in with HELLO 3 AUTH, SELECTed; a wrong password
    /// leaves the backplane down (503), not the server.
    @Test(.requires(.redisServer, .curl))
    func theBackplaneLogsInAndSelectsItsDatabase() async throws {
        let directory = try TemporaryDirectory()
        let redis = try await RedisServer.start(
            in: directory,
            tcp: true,
            arguments: ["--user", "app", "on", ">s3cret", "~*", "&*", "+@all", "--user", "default", "off"]
        )
        defer { redis.stop() }
        let url = "redis://app:s3cret@127.0.0.1:\(redis.port ?? 0)/3"
        let instances = try await JourneyInstance.start(2, redis: url, arguments: ["--pubsub-history", "10"])
        let subscriber = try await PubSubClient(port: instances[0].port, topic: "db")
        let endpoint = try #require(RedisEndpoint(url: url))
        let client = try await RESPClient.connect(to: endpoint, on: MultiThreadedEventLoopGroup.singleton.any()).get()
        defer { _ = client.close() }
        #expect(client.protocolVersion == 3)
        try await waitAtMost(for: "the subscription") {
            while try await client.send(["PUBSUB", "NUMSUB", "journey:db"]).get().elements?.last != .integer(1) {
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        _ = try await Curl.run(["-d", "hello", instances[1].url("/pubsub/db")])
        #expect(try await subscriber.data(count: 1).first as? String == "hello")
        #expect(try await client.send(["EXISTS", "journey:stream:db"]).get() == .integer(1))
        _ = try await client.send(["SELECT", "0"]).get()
        #expect(try await client.send(["EXISTS", "journey:stream:db"]).get() == .integer(0))

        let refused = try await RunningJourney(
            arguments: [
                "serve", "--port", "0", "--ws-pubsub", "/pubsub", "--pubsub-redis",
                "redis://app:wrong@127.0.0.1:\(redis.port ?? 0)",
            ]
        )
        let port = try await refused.port()
        try await refused.waitForLog(containing: "cannot reach Redis")
        #expect(try await Curl.run(["-d", "x", "http://127.0.0.1:\(port)/pubsub/db"]).status == 503)
    }

    /// `rediss://` with the server's private CA: TLS to Redis, its certificate checked; without the CA the
    /// certificate is not trusted and the backplane stays down.
    @Test(.requires(.redisServer, .curl))
    func theBackplaneSpeaksTLSAndChecksRedissCertificate() async throws {
        let directory = try TemporaryDirectory()
        let certificate = TestCertificate.shared
        let port = try await freePort()
        let redis = try await RedisServer.start(
            in: directory,
            arguments: [
                "--tls-port", String(port), "--tls-cert-file", certificate.certificatePath, "--tls-key-file",
                certificate.privateKeyPath, "--tls-ca-cert-file", certificate.authorityPath, "--tls-auth-clients", "no",
            ]
        )
        defer { redis.stop() }
        let url = "rediss://localhost:\(port)/0?ssl_ca_certs=\(certificate.authorityPath)"
        let instances = try await JourneyInstance.start(2, redis: url)
        let subscriber = try await PubSubClient(port: instances[0].port, topic: "tls")
        try await redis.waitForListeners(of: "tls", count: 1)
        let answer = try await Curl.run(["-d", "sealed", instances[1].url("/pubsub/tls")])
        #expect(answer.text.contains(#""instances":1"#))
        #expect(try await subscriber.data(count: 1).first as? String == "sealed")

        let untrusting = try await RunningJourney(
            arguments: [
                "serve", "--port", "0", "--ws-pubsub", "/pubsub", "--pubsub-redis", "rediss://localhost:\(port)",
            ]
        )
        let untrustingPort = try await untrusting.port()
        try await untrusting.waitForLog(containing: "cannot reach Redis")
        #expect(try await Curl.run(["-d", "x", "http://127.0.0.1:\(untrustingPort)/pubsub/tls"]).status == 503)
    }

    /// HAProxy in front (PROXY protocol v2 to two instances, v1 to the third, `balance leastconn`): clients keep
    /// their own address, WebSockets pass through it, and when an instance dies its clients reconnect through it
    /// to the others and keep receiving.
    @Test(.requires(.redisServer, .curl, .haproxy))
    func behindHAProxyClientsKeepTheirAddressAndOutliveAnInstance() async throws {
        let directory = try TemporaryDirectory()
        let redis = try await RedisServer.start(in: directory)
        defer { redis.stop() }
        var instances: [JourneyInstance] = []
        for number in 0..<3 {
            instances.append(
                try await JourneyInstance.start(
                    number: number,
                    redis: redis.url,
                    arguments: [
                        "--proxy-protocol", "--trusted-proxies", "127.0.0.1/32",
                        "--access-log", directory.path + "/access-\(number).log",
                    ]
                )
            )
        }
        let balancer = try await HAProxy.start(in: directory, backends: instances.map(\.port))
        defer { balancer.stop() }

        // From 127.0.0.2 to HAProxy: each instance logs 127.0.0.2, not HAProxy's 127.0.0.1.
        for _ in 0..<6 {
            let answer = try await Curl.run(["--interface", "127.0.0.2", balancer.url("/")])
            #expect(answer.status == 200)
        }
        // The access logs are written after the response: read until the six lines are in.
        let path = directory.path
        let logs = try await waitAtMost(for: "the access log lines") {
            while true {
                let logs = (0..<3).map {
                    (try? String(contentsOfFile: path + "/access-\($0).log", encoding: .utf8)) ?? ""
                }
                let proxied = logs.flatMap { $0.split(separator: "\n") }.filter { $0.hasPrefix("127.0.0.2 ") }
                if proxied.count >= 6 { return logs }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        // Besides the six, the check that HAProxy was up: from 127.0.0.1.
        let lines = logs.flatMap { $0.split(separator: "\n") }
        #expect(lines.filter { $0.hasPrefix("127.0.0.2 ") }.count == 6, "\(lines)")
        #expect(lines.filter { !$0.hasPrefix("127.0.0.2 ") }.allSatisfy { $0.hasPrefix("127.0.0.1 ") }, "\(lines)")
        #expect(logs.filter { $0.contains("127.0.0.2 ") }.count == 3, "leastconn spreads the requests over the three")

        let clients = try await Array(0..<6).asyncMap { _ in
            try await PubSubClient(port: balancer.port, topic: "live", reconnects: true)
        }
        try await redis.waitForListeners(of: "live", count: 3)
        try await Self.publishUntilEveryoneHears(clients, through: balancer, tag: "before")

        instances[0].process.signal(SIGKILL)
        _ = await instances[0].process.exitStatus()
        // The clients of the one that died come back through HAProxy, to the others, and hear what follows.
        try await Self.publishUntilEveryoneHears(clients, through: balancer, tag: "after")
        #expect(clients.map(\.connections).reduce(0, +) >= 7, "some clients reconnected")
    }

    /// POSTs `tag-N` through the balancer until every client has heard one of them.
    static func publishUntilEveryoneHears(
        _ clients: [PubSubClient],
        through balancer: HAProxy,
        tag: String
    ) async throws {
        try await waitAtMost(.seconds(30), for: "every client to hear \(tag)") {
            var attempt = 0
            while !clients.allSatisfy({ $0.heard(prefix: tag) }) {
                attempt += 1
                _ = try? await Curl.run(["-d", "\(tag)-\(attempt)", balancer.url("/pubsub/live")])
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// In-process: the address a trusted proxy names is what handlers, the access log's entry and the dashboard
    /// see; an untrusted peer's `X-Forwarded-For` is not believed.
    @Test(.requires(.curl))
    func handlersSeeTheClientATrustedProxyNames() async throws {
        var router = Router()
        router.get("/who") { _, context in
            Response(status: .ok, body: .bytes(ByteBuffer(string: context.remoteAddress?.ipAddress ?? "-")))
        }
        var configuration = Configuration()
        configuration.accept.proxyProtocol = true
        configuration.accept.trustedProxies = ["127.0.0.1"]
        configuration.observe.dashboard = .loopbackOnly
        configuration.listeners.admin = ListenAddress(host: "127.0.0.1", port: 0)
        try await TestServer.with(configuration, router: router) { server async throws in
            // The admin listener is reached directly (a scrape, an operator): no PROXY header is asked of it.
            let adminPort = try #require(server.server.port(of: .admin))
            #expect(try await Curl.run([Curl.url("/metrics", port: adminPort)]).status == 200)
            // curl's PROXY v1 header names its own source, 127.0.0.2.
            // 127.0.0.2 is not a trusted proxy: its connection is closed before anything is read.
            let untrusted = try? await Curl.run(["--haproxy-protocol", "--interface", "127.0.0.2", server.url("/who")])
            #expect(untrusted == nil)
            let trusted = try await Curl.run(["--haproxy-protocol", server.url("/who")])
            #expect(trusted.text == "127.0.0.1")
            let forwarded = try await Curl.run([
                "--haproxy-protocol", "-H", "X-Forwarded-For: 198.51.100.7", server.url("/who"),
            ])
            #expect(forwarded.text == "198.51.100.7")
            await server.server.collectStatistics()
            #expect(server.server.statistics.snapshot().json.contains(#""client":"198.51.100.7""#))
        }
        configuration.accept.proxyProtocol = false
        try await TestServer.with(configuration, router: router) { server async throws in
            let direct = try await Curl.run([
                "--interface", "127.0.0.2", "-H", "X-Forwarded-For: 198.51.100.7", server.url("/who"),
            ])
            #expect(direct.text == "127.0.0.2", "an untrusted peer's X-Forwarded-For is its own say-so")
            let viaTrusted = try await Curl.run(["-H", "X-Forwarded-For: 198.51.100.7", server.url("/who")])
            #expect(viaTrusted.text == "198.51.100.7")
        }
    }
}

// MARK: The processes

/// A redis-server on a Unix socket in a test's folder (and on a TCP port when asked).
struct RedisServer {
    let process: RunningJourney
    let socket: String
    let port: Int?

    var url: String { "unix://" + self.socket }
    var tcpURL: String { "redis://127.0.0.1:\(self.port ?? 0)" }

    static func start(
        in directory: TemporaryDirectory,
        tcp: Bool = false,
        arguments: [String] = []
    ) async throws -> RedisServer {
        let socket = directory.path + "/redis.sock"
        let port = tcp ? try await freePort() : nil
        // Killed with SIGKILL: it inherits this process's signal mask, where SIGTERM is blocked.
        let process = try await RunningJourney(
            executable: try ExternalTool.redisServer.require(),
            arguments: [
                "--port", String(port ?? 0), "--bind", "127.0.0.1", "--unixsocket", socket, "--save", "",
                "--appendonly", "no", "--logfile", directory.path + "/redis.log",
            ] + arguments
        )
        try await waitAtMost(for: "redis-server to answer") {
            // Answered +PONG, or (with the default user off) NOAUTH: up either way.
            while (try? await RawClient.exchange("PING\r\n", unixSocket: socket))?.isEmpty ?? true {
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        return RedisServer(process: process, socket: socket, port: port)
    }

    func stop() {
        self.process.signal(SIGKILL)
    }

    /// A connection to it with Journey's own client.
    func client() async throws -> RESPClient {
        let endpoint = try #require(RedisEndpoint(url: self.url))
        return try await RESPClient.connect(to: endpoint, on: MultiThreadedEventLoopGroup.singleton.any()).get()
    }

    /// Waits until `count` instances listen to `topic` in Redis (PUBSUB NUMSUB).
    func waitForListeners(of topic: String, count: Int) async throws {
        let client = try await self.client()
        defer { _ = client.close() }
        try await waitAtMost(for: "\(count) instances to listen to \(topic)") {
            while true {
                let reply = try await client.send(["PUBSUB", "NUMSUB", "journey:" + topic]).get()
                if case .integer(let listening) = reply.elements?.last, listening == count { return }
                try await Task.sleep(for: .milliseconds(10))
            }
        }
    }
}

/// A `journey serve` with the pub/sub hub on a backplane.
struct JourneyInstance {
    let number: Int
    let process: RunningJourney
    let port: Int

    func url(_ path: String) -> String { "http://127.0.0.1:\(self.port)\(path)" }

    static func start(_ count: Int, redis: String, arguments: [String] = []) async throws -> [JourneyInstance] {
        var instances: [JourneyInstance] = []
        for number in 0..<count {
            instances.append(try await Self.start(number: number, redis: redis, arguments: arguments))
        }
        return instances
    }

    static func start(number: Int, redis: String, arguments: [String] = []) async throws -> JourneyInstance {
        let process = try await RunningJourney(
            arguments: [
                "serve", "--port", "0", "--threads", "1", "--ws-pubsub", "/pubsub", "--pubsub-redis", redis,
                "--instance-id", "i\(number)", "--metrics",
            ] + arguments
        )
        let port = try await process.port()
        try await process.waitForLog(containing: "backplane connected")
        return JourneyInstance(number: number, process: process, port: port)
    }
}

/// HAProxy in HTTP mode before `backends`: `balance leastconn`, the PROXY protocol to each (v2, and v1 to the
/// third), a failed connection retried on another.
struct HAProxy {
    let process: RunningJourney
    let port: Int

    func url(_ path: String) -> String { "http://127.0.0.1:\(self.port)\(path)" }

    static func start(in directory: TemporaryDirectory, backends: [Int]) async throws -> HAProxy {
        let port = try await freePort()
        let servers = backends.enumerated().map { index, backend in
            "    server j\(index) 127.0.0.1:\(backend) \(index == 2 ? "send-proxy" : "send-proxy-v2")"
        }
        let configuration = try directory.write(
            """
            defaults
                mode http
                timeout connect 2s
                timeout client 60s
                timeout server 60s
                timeout tunnel 120s
                retries 3
                option redispatch 1
            frontend web
                bind 127.0.0.1:\(port)
                default_backend journeys
            backend journeys
                balance leastconn
            \(servers.joined(separator: "\n"))

            """,
            to: "haproxy.cfg"
        )
        let process = try await RunningJourney(
            executable: try ExternalTool.haproxy.require(),
            arguments: ["-f", configuration, "-db"]
        )
        let balancer = HAProxy(process: process, port: port)
        try await waitAtMost(for: "haproxy to answer") {
            while (try? await Curl.run([balancer.url("/")]))?.status != 200 {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        return balancer
    }

    func stop() {
        self.process.signal(SIGKILL)
    }
}

/// A port nothing listens on now (the kernel's pick, let go of): for a peer that cannot be told to pick its own.
func freePort() async throws -> Int {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress?.port ?? 0
    try await channel.close()
    return port
}

// MARK: The client

/// A WebSocket pub/sub client: sends commands, keeps every text it is sent; with `reconnects`, comes back (and
/// subscribes again) when its connection ends.
final class PubSubClient: Sendable {
    private let state = NIOLockedValueBox(State())
    private let outbox: AsyncStream<Outgoing>.Continuation
    private let task: Task<Void, Never>

    private struct State {
        var texts: [String] = []
        var taken = 0
        var waiters: [(count: Int, continuation: CheckedContinuation<[String], any Error>)] = []
        var connections = 0
        var ended = false
    }

    private enum Outgoing: Sendable {
        case text(String)
        case close
    }

    convenience init(port: Int, topic: String?, reconnects: Bool = false) async throws {
        try await self.init(
            port: port,
            command: topic.map { #"{"op":"subscribe","topic":"\#($0)"}"# },
            reconnects: reconnects
        )
    }

    init(port: Int, command: String?, reconnects: Bool = false) async throws {
        let (outgoing, outbox) = AsyncStream.makeStream(of: Outgoing.self)
        self.outbox = outbox
        let state = self.state
        let (opened, opening) = AsyncStream.makeStream(of: Void.self)
        self.task = Task {
            var closing = false
            repeat {
                _ = try? await WebSocketClient.connect(
                    url: "ws://127.0.0.1:\(port)/pubsub",
                    logger: BackplaneTests.logger
                ) { inbound, outbound, _ in
                    state.withLockedValue { $0.connections += 1 }
                    if let command { try await outbound.write(.text(command)) }
                    opening.yield()
                    // A reconnected client only subscribes again: the outbox ends with the first connection.
                    let writer = Task {
                        for await next in outgoing {
                            switch next {
                            case .text(let text): try await outbound.write(.text(text))
                            case .close: try await outbound.close(.normalClosure, reason: nil)
                            }
                        }
                    }
                    defer { writer.cancel() }
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        guard case .text(let text) = message else { continue }
                        PubSubClient.received(text, in: state)
                    }
                }
                closing = Task.isCancelled || state.withLockedValue { $0.ended }
                if reconnects, !closing { try? await Task.sleep(for: .milliseconds(50)) }
            } while reconnects && !closing
            opening.finish()
        }
        var iterator = opened.makeAsyncIterator()
        guard await iterator.next() != nil else { throw NotConnected() }
    }

    deinit {
        self.task.cancel()
    }

    /// The client never got a connection.
    struct NotConnected: Error {}

    /// How many connections the client made.
    var connections: Int { self.state.withLockedValue { $0.connections } }

    func send(_ text: String) {
        self.outbox.yield(.text(text))
    }

    func close() {
        self.state.withLockedValue { $0.ended = true }
        self.outbox.yield(.close)
    }

    /// Closes, and returns once the connection has ended.
    func closeAndWait() async {
        self.close()
        await self.task.value
    }

    /// Whether a delivery whose data starts with `prefix` has arrived.
    func heard(prefix: String) -> Bool {
        self.state.withLockedValue { state in
            state.texts.contains { $0.contains(#""data":"\#(prefix)"#) }
        }
    }

    private static func received(_ text: String, in state: NIOLockedValueBox<State>) {
        let ready = state.withLockedValue { state -> [(CheckedContinuation<[String], any Error>, [String])] in
            state.texts.append(text)
            var ready: [(CheckedContinuation<[String], any Error>, [String])] = []
            while let first = state.waiters.first, state.texts.count - state.taken >= first.count {
                state.waiters.removeFirst()
                ready.append((first.continuation, Array(state.texts[state.taken..<(state.taken + first.count)])))
                state.taken += first.count
            }
            return ready
        }
        for (continuation, texts) in ready { continuation.resume(returning: texts) }
    }

    /// The next `count` texts (waiting 30 s at most).
    func texts(count: Int) async throws -> [String] {
        let state = self.state
        return try await waitAtMost(for: "\(count) messages") {
            try await withCheckedThrowingContinuation { continuation in
                let ready = state.withLockedValue { state -> [String]? in
                    guard state.waiters.isEmpty, state.texts.count - state.taken >= count else {
                        state.waiters.append((count, continuation))
                        return nil
                    }
                    defer { state.taken += count }
                    return Array(state.texts[state.taken..<(state.taken + count)])
                }
                if let ready { continuation.resume(returning: ready) }
            }
        }
    }

    /// The next `count` messages as JSON objects.
    func objects(count: Int) async throws -> [[String: Any]] {
        try await self.texts(count: count).map {
            (try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) ?? [:]
        }
    }

    /// The next `count` deliveries (messages with data), as JSON objects.
    func deliveries(count: Int) async throws -> [[String: Any]] {
        let objects = try await self.objects(count: count)
        #expect(objects.allSatisfy { $0["data"] != nil }, "\(objects)")
        return objects
    }

    /// The data of the next `count` deliveries.
    func data(count: Int) async throws -> [Any] {
        try await self.deliveries(count: count).map { $0["data"] ?? NSNull() }
    }
}

extension Array {
    /// The elements transformed in order, one after another.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async throws -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
