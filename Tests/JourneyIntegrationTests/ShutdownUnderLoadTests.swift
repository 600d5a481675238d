import Foundation
import JourneyTestSupport
import NIOCore
import NIOPosix
import Testing

/// SIGTERM to the real binary in the middle of 100 large downloads.
@Suite(
    .enabled(if: JourneyBinary.url != nil || ExternalTool.isCI, "needs the journey binary (swift build)"),
    .timeLimit(.minutes(2))
)
struct ShutdownUnderLoadTests {
    @Test func sigtermFinishesEveryInFlightDownloadAndAcceptsNothingNew() async throws {
        let directory = try TemporaryDirectory()
        let size = 8 * 1024 * 1024
        try directory.write(Data(count: size), to: "big.bin")
        let running = try await RunningJourney(arguments: [directory.path, "--port", "0", "--drain-timeout", "60"])
        let port = try await running.port()

        // 100 downloads that have started and then stopped reading: all of them are in flight.
        var downloads: [SlowReader] = []
        for _ in 0..<100 {
            downloads.append(try await SlowReader.start(path: "/big.bin", port: port))
        }
        for download in downloads {
            try await waitAtMost(for: "the download") { try await download.firstBytes.futureResult.get() }
        }

        running.signal(SIGTERM)
        // Once the server says it has stopped accepting, nothing new gets in: the listener is closed.
        try await running.waitForLog(containing: "stopped accepting")
        await #expect(throws: (any Error).self, "a connection was accepted after the listener closed") {
            try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port).get().close()
        }

        // Every download that was in flight completes.
        for download in downloads { download.resume() }
        for download in downloads {
            let received = try await waitAtMost(for: "the download") { try await download.finished.futureResult.get() }
            #expect(received > size && received < size + 1024, "received \(received)")
        }
        #expect(await running.exitStatus() == 0)
    }
}
