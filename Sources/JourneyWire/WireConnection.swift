import JourneyConnection
import JourneyCore
import Logging
import NIOCore

/// A `WireProtocol` as a listener's `ConnectionProtocol`: the pipeline (read tap → framer → bridge) and the
/// handler's task on the connection's event loop.
public struct WireConnection<Protocol: WireProtocol>: ConnectionProtocol {
    /// The protocol every connection speaks.
    public var wireProtocol: Protocol
    /// The per-loop recorders the messages' journeys are stamped into; nil records nothing.
    package var journey: JourneyRecorders?
    /// The logger for malformed frames and handler errors.
    public var logger: Logger

    /// The wire protocol's name.
    public var name: String { self.wireProtocol.name }

    /// A listener's protocol.
    public init(_ wireProtocol: Protocol, logger: Logger? = nil) {
        self.wireProtocol = wireProtocol
        self.logger = logger ?? Logger(label: "journey.\(wireProtocol.name)")
    }

    /// Adds the framer and the bridge to `channel` and starts the handler's task (a `WireResponder` gets one
    /// handler that frames, answers and encodes each read in one pass, and no task).
    public func configure(_ channel: any Channel) throws {
        if let responder = self.wireProtocol as? any WireResponder {
            try self.configure(channel, responder: responder)
            return
        }
        let wireProtocol = self.wireProtocol
        let limits = wireProtocol.limits
        let loop = channel.eventLoop
        let context = self.context(of: channel)
        let logger = context.logger
        let recorder = self.journey?.recorder(on: loop)
        let encoder = wireProtocol.makeEncoder()
        let encode: (Protocol.Outbound, inout ByteBuffer) throws -> Void = { message, buffer in
            try encoder.encode(data: message, out: &buffer)
        }
        let bridge = WireChannelHandler(
            farewell: { error, buffer in
                guard let farewell = wireProtocol.farewell(for: error) else { return false }
                try encoder.encode(data: farewell, out: &buffer)
                return true
            },
            limits: limits,
            logger: logger,
            recorder: recorder,
            slot: recorder?.slot(forProtocol: wireProtocol.name) ?? 0
        )
        let pipeline = channel.pipeline.syncOperations
        try pipeline.addHandler(WireReadTap { bridge.bytesArrived() })
        try pipeline.addHandler(
            ByteToMessageHandler(wireProtocol.makeFramer(), maximumBufferSize: limits.maximumFrameSize)
        )
        try pipeline.addHandler(bridge)

        let connection = NIOLoopBound(bridge, eventLoop: loop)
        let inbound = WireInbound<Protocol.Inbound>(connection: connection)
        let outbound = WireOutbound(connection: connection, encode: NIOLoopBound(encode, eventLoop: loop))
        Task(executorPreference: EventLoopTaskExecutor(loop)) {
            do {
                try await wireProtocol.handle(inbound, outbound, context: context)
            } catch {
                // A malformed frame was logged where it was found; anything else is the handler's.
                if !(error is ByteToMessageDecoderError.PayloadTooLargeError), !(error is ChannelError) {
                    logger.debug("handler ended with an error", metadata: ["error": "\(error)"])
                }
            }
            outbound.finish()
        }
    }

    private func configure(_ channel: any Channel, responder: some WireResponder) throws {
        let handler = WireResponderHandler(
            responder,
            context: self.context(of: channel),
            recorder: self.journey?.recorder(on: channel.eventLoop)
        )
        try channel.pipeline.syncOperations.addHandler(handler)
    }

    /// What the handler knows of `channel`, with a logger that names the protocol and the peer.
    private func context(of channel: any Channel) -> WireContext {
        var logger = self.logger
        logger[metadataKey: "protocol"] = "\(self.wireProtocol.name)"
        logger[metadataKey: "peer"] = "\(channel.remoteAddress.map { "\($0)" } ?? "?")"
        return WireContext(
            remoteAddress: channel.remoteAddress,
            localAddress: channel.localAddress,
            eventLoop: channel.eventLoop,
            logger: logger
        )
    }
}
