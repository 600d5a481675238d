import Foundation
import JourneyTestSupport
import NIOCore
import NIOPosix
import Testing

/// SIGTERM to the real binary in the middle of 100 large downloads.
@Suite(.enabled(if: JourneyBinary.url != nil, "needs the journey binary"))
struct ShutdownUnderLoadTests {
    @Test func sigtermFinishesEveryInFlightDownloadAndAcceptsNothingNew() async throws {
        let directory = try TemporaryDirectory()
        let size = 8 * 1024 * 1024
        try directory.write(Data(count: size), to: "big.bin")
        let running = try RunningJourney(arguments: [directory.path, "--port", "0", "--drain-timeout", "60"])
        let port = try await running.port()

        // 100 downloads that have started and then stopped reading: all of them are in flight.
        var downloads: [SlowReader] = []
        for _ in 0..<100 {
            downloads.append(try await SlowReader.start(path: "/big.bin", port: port))
        }
        for download in downloads {
            try await download.firstBytes.futureResult.get()
        }

        running.signal(SIGTERM)
        // The listener closes: a connection attempt is refused (each attempt is a real round trip).
        var refused = false
        for _ in 0..<2000 where !refused {
            do {
                let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .connect(host: "127.0.0.1", port: port).get()
                // Accepted before the close took effect: it must be closed without an answer.
                let response = try await RawClient.exchange("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n", port: port)
                #expect(!response.hasPrefix("HTTP/1.1 200"), "a new request was served after SIGTERM")
                try? await channel.close()
            } catch {
                refused = true
            }
        }
        #expect(refused)

        // Every download that was in flight completes.
        for download in downloads { download.resume() }
        for download in downloads {
            let received = try await download.finished.futureResult.get()
            #expect(received > size && received < size + 1024, "received \(received)")
        }
        #expect(await running.exitStatus() == 0)
    }
}
