import NIOCore

/// Gathers the small writes of one flush into one TLS record, as nginx's `ssl_buffer_size` does.
///
/// NIOSSL encrypts each write on its own: a response written as head, body and end would leave as three
/// records, each with its own header, authentication tag and cipher call. Writes are joined here up to
/// a full record (16 KiB); a bigger one passes through as it is.
final class TLSRecordCoalescer: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The largest TLS record's payload (RFC 8446 §5.1).
    static let recordSize = 16 * 1024

    private var pending: ByteBuffer?
    private var promises: [EventLoopPromise<Void>] = []

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let buffer = Self.unwrapOutboundIn(data)
        let pendingBytes = self.pending?.readableBytes ?? 0
        guard pendingBytes + buffer.readableBytes <= Self.recordSize else {
            self.writePending(context: context)
            context.write(data, promise: promise)
            return
        }
        if self.pending == nil {
            self.pending = buffer
        } else {
            self.pending!.writeImmutableBuffer(buffer)
        }
        if let promise { self.promises.append(promise) }
    }

    func flush(context: ChannelHandlerContext) {
        self.writePending(context: context)
        context.flush()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.writePending(context: context)
    }

    private func writePending(context: ChannelHandlerContext) {
        guard let pending = self.pending else { return }
        self.pending = nil
        let promise: EventLoopPromise<Void>?
        switch self.promises.count {
        case 0: promise = nil
        case 1: promise = self.promises[0]
        default:
            let joined = context.eventLoop.makePromise(of: Void.self)
            for waiting in self.promises { joined.futureResult.cascade(to: waiting) }
            promise = joined
        }
        self.promises.removeAll(keepingCapacity: true)
        context.write(Self.wrapOutboundOut(pending), promise: promise)
    }
}

@available(*, unavailable)
extension TLSRecordCoalescer: Sendable {}
