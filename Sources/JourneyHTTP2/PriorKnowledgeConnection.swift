import JourneyConnection
import NIOCore

/// A cleartext listener that speaks HTTP/1.1 and HTTP/2 with prior knowledge (h2c, RFC 9113 §3.3): a client that
/// opens with the HTTP/2 connection preface gets HTTP/2, any other gets HTTP/1.1.
public struct PriorKnowledgeConnection: ConnectionProtocol {
    /// The protocol for clients that do not send the preface.
    public var http1: any ConnectionProtocol
    /// The protocol for clients that do.
    public var http2: HTTP2Connection
    /// How long a client may stay silent before its first bytes tell which it speaks.
    public var prefaceTimeout: TimeAmount

    /// "http/1.1+h2c".
    public var name: String { "\(self.http1.name)+h2c" }

    /// Serves both on one listener.
    public init(http1: any ConnectionProtocol, http2: HTTP2Connection, prefaceTimeout: TimeAmount = .seconds(10)) {
        self.http1 = http1
        self.http2 = http2
        self.prefaceTimeout = prefaceTimeout
    }

    /// Waits for the first bytes, then sets up the protocol they begin.
    public func configure(_ channel: any Channel) throws {
        try channel.pipeline.syncOperations.addHandler(
            PrefaceSniffer(http1: self.http1, http2: self.http2, timeout: self.prefaceTimeout)
        )
    }
}

/// Holds a connection's first bytes until they match the HTTP/2 preface or stop matching it, sets up that protocol
/// behind itself, hands it the bytes and leaves.
final class PrefaceSniffer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// RFC 9113 §3.4.
    private static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    private let http1: any ConnectionProtocol
    private let http2: HTTP2Connection
    private let timeout: TimeAmount
    private var received = ByteBuffer()
    private var deadline: Scheduled<Void>?

    init(http1: any ConnectionProtocol, http2: HTTP2Connection, timeout: TimeAmount) {
        self.http1 = http1
        self.http2 = http2
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // A client that connects and says nothing must not hold the connection forever.
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        self.deadline = context.eventLoop.scheduleTask(in: self.timeout) { loopBound.value.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.deadline?.cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = Self.unwrapInboundIn(data)
        self.received.writeBuffer(&bytes)
        let received = self.received
        let count = min(received.readableBytes, Self.preface.count)
        let matches = received.readableBytesView.prefix(count).elementsEqual(Self.preface.prefix(count))
        if matches && count < Self.preface.count { return }  // too early to tell
        do {
            try (matches ? self.http2 : self.http1).configure(context.channel)
        } catch {
            context.close(promise: nil)
            return
        }
        self.received = ByteBuffer()
        context.fireChannelRead(Self.wrapInboundOut(received))
        context.fireChannelReadComplete()
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            // Gone before saying which protocol: nothing to answer.
            context.close(promise: nil)
            return
        }
        if event is ChannelShouldQuiesceEvent {
            // Shutting down, and no request has begun.
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}

@available(*, unavailable)
extension PrefaceSniffer: Sendable {}
