import NIOCore
import NIOEmbedded

@testable import JourneyRESP

/// The commands (or the protocol error) the RESP decoder makes of `bytes`, fed in pieces of `chunkSize`.
func frame(_ bytes: [UInt8], chunkSize: Int) -> (commands: [RESPCommand], error: RESPProtocolError?) {
    let channel = EmbeddedChannel(handler: ByteToMessageHandler(RESPCommandDecoder(maximumRequestSize: 1024)))
    var error: RESPProtocolError?
    var offset = 0
    while offset < bytes.count, error == nil {
        let end = min(bytes.count, offset + chunkSize)
        do {
            try channel.writeInbound(ByteBuffer(bytes: bytes[offset..<end]))
        } catch let protocolError as RESPProtocolError {
            error = protocolError
        } catch {
            preconditionFailure("the decoder threw something other than a RESP protocol error: \(error)")
        }
        offset = end
    }
    var commands: [RESPCommand] = []
    while let command = try? channel.readInbound(as: RESPCommand.self) { commands.append(command) }
    _ = try? channel.finish()
    return (commands, error)
}

/// RESP framing and the command table on any bytes: never traps; framing whole or in 3-byte pieces gives
/// the same commands and the same error; every command gets a reply that encodes.
func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let whole = frame(bytes, chunkSize: max(1, size))
    let pieces = frame(bytes, chunkSize: 3)
    precondition(whole.commands == pieces.commands, "framing depends on how the bytes arrive")
    precondition(whole.error == pieces.error, "the protocol error depends on how the bytes arrive")
    var session = RESPSession(databases: [RESPKeyspace(shardCount: 2), RESPKeyspace(shardCount: 2)])
    var out = ByteBuffer()
    for command in whole.commands {
        precondition(!command.arguments.isEmpty)
        RESPCommandTable.run(command, in: &session).write(to: &out)
    }
    return 0
}
