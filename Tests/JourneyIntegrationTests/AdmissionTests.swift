import Foundation
import Journey
import JourneyTestSupport
import NIOCore
import NIOPosix
import Testing

/// Connection caps and descriptor exhaustion: the Accept stage under pressure.
@Suite(.requires(.curl), .timeLimit(.minutes(2)))
struct AdmissionTests {
    @Test func twoHundredClientsAgainstACapOfFiftyAreAllServed() async throws {
        let fixture = try SiteFixture()
        var configuration = fixture.configuration
        configuration.accept.maximumConnections = 50
        configuration.accept.backlog = 512
        try await TestServer.with(configuration) { server async throws in
            let served = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<200 {
                    group.addTask {
                        // Each client holds its connection until the server has answered and closed it.
                        let response = try await RawClient.exchange(
                            "GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                            port: server.port,
                            halfClose: false
                        )
                        return response.hasPrefix("HTTP/1.1 200 OK") && response.hasSuffix("hello\n")
                    }
                }
                var served = 0
                for try await ok in group where ok { served += 1 }
                return served
            }
            #expect(served == 200)
            #expect(server.server.admission.peak <= 50)
            #expect(server.server.admission.peak >= 1)
        }
    }

    @Test func theCapPausesAcceptingAndTheQueueWaitsInTheKernel() async throws {
        var configuration = Configuration()
        configuration.accept.maximumConnections = 3
        try await TestServer.with(configuration) { server async throws in
            // Three idle connections fill the cap; their server side counts them on accept.
            var idle: [any Channel] = []
            for _ in 0..<3 {
                idle.append(try await Self.connect(port: server.port))
            }
            // A fourth client connects (the kernel completes the handshake) but is not accepted yet.
            let waiting = Task {
                try await RawClient.exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n", port: server.port)
            }
            // Its answer can only come once a slot frees up.
            try await idle[0].close()
            let response = try await waiting.value
            #expect(response.hasPrefix("HTTP/1.1 200 OK"))
            #expect(server.server.admission.peak == 3)
            for channel in idle.dropFirst() { try await channel.close() }
        }
    }

    @Test(.enabled(if: JourneyBinary.url != nil || ExternalTool.isCI, "needs the journey binary (swift build)"))
    func descriptorExhaustionIsSurvived() async throws {
        let directory = try TemporaryDirectory()
        try directory.write("still here\n", to: "ok.txt")
        // A child with a tiny descriptor table (soft and hard), so accept(2) hits EMFILE.
        let running = try await RunningJourney(
            executable: "/bin/sh",
            arguments: [
                "-c", "ulimit -n 40 && exec \"$0\" \"$@\"", try JourneyBinary.require(), directory.path, "--port", "0",
                "--threads", "1",
            ]
        )
        let port = try await running.port()
        var clients: [any Channel] = []
        for _ in 0..<60 {
            // Under a loaded CI a client may only finish its connect after the server, out of descriptors, has
            // dealt with it (reset, or closed at its header timeout): that is the condition under test, not a failure;
            // the "accept failed" line below shows the descriptors did run out.
            if let client = try? await Self.connect(port: port) { clients.append(client) }
        }
        for client in clients { try? await client.close() }
        // Descriptors are free again: the server serves (after at most one back-off second).
        let result = try await Curl.run([
            "--retry", "5", "--retry-all-errors", "-m", "10", Curl.url("/ok.txt", port: port),
        ])
        #expect(result.text == "still here\n")
        try await running.waitForLog(containing: "accept failed")
        #expect(await running.terminate() == 0)
    }

    static func connect(port: Int) async throws -> any Channel {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port).get()
    }
}
