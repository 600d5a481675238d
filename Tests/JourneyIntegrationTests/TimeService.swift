// The README's tutorial protocol, word for word: the integration tests run it over real sockets.
import Foundation
import Journey
import NIOExtras

/// A line protocol: `TIME` answers the time, `ECHO text` the text, `QUIT` says goodbye.
struct TimeService: WireProtocol {
    var name: String { "time" }
    var limits: WireLimits { WireLimits(maximumFrameSize: 1024, idleTimeout: .seconds(60)) }

    func makeFramer() -> LineBasedFrameDecoder { LineBasedFrameDecoder() }
    func makeEncoder() -> LineEncoder { LineEncoder() }

    func handle(_ lines: WireInbound<ByteBuffer>, _ replies: WireOutbound<String>, context: WireContext) async throws {
        for try await line in lines {
            let words = String(buffer: line).split(separator: " ", maxSplits: 1)
            switch words.first?.uppercased() {
            case "TIME":
                try await replies.write(Date.now.ISO8601Format())
            case "ECHO":
                try await replies.write(words.count > 1 ? String(words[1]) : "")
            case "QUIT":
                try await replies.write("BYE")
                return
            default:
                try await replies.write("ERR unknown command")
            }
        }
    }

    func farewell(for error: any Error) -> String? { "ERR line too long" }
}
