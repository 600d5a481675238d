import JourneyCore
import Logging
import NIOCore

/// A `WireResponder`'s connection: Read, Parse, Process and Write of every message in one pass per read, on
/// the event loop, with no task — the answers to a pipelined read leave in one write when the read is done.
///
/// The framing loop is one function, so the protocol's generic types cost a metadata lookup per read, not
/// per message (NIO calls a handler through an existential, where generic code runs unspecialised).
final class WireResponderHandler<Responder: WireResponder>: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let responder: Responder
    private var framer: Responder.Framer
    private let encoder: Responder.Encoder
    private var session: Responder.Session
    private let limits: WireLimits
    /// The connection's row on the dashboard and its idle timeout.
    private var life: WireConnectionLife
    private var context: ChannelHandlerContext?

    /// Bytes read and not framed yet.
    private var unframed: ByteBuffer?
    /// Answers encoded and not written yet, and the journeys of the messages they answer.
    private var pending: ByteBuffer?
    private var answered: [RequestTimeline] = []
    /// No more reading: the peer closed its side, a frame was malformed, or the server is shutting down.
    private var isDone = false
    /// A read was asked for while the send queue was full.
    private var readIsHeld = false
    /// The answers of the reads so far are to be written at the end of the loop's tick.
    private var flushIsScheduled = false
    /// The first byte of the frame not yet complete arrived (journey clock); 0 between frames.
    private var frameStart: UInt64 = 0

    init(_ responder: Responder, context wireContext: WireContext, recorder: JourneyRecorder?) {
        self.responder = responder
        self.framer = responder.makeFramer()
        self.encoder = responder.makeEncoder()
        self.session = responder.makeSession(context: wireContext)
        self.limits = responder.limits
        self.life = WireConnectionLife(
            recorder: recorder,
            slot: recorder?.slot(forProtocol: responder.name) ?? 0,
            logger: wireContext.logger,
            idleTimeout: responder.limits.idleTimeout
        )
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.life.opened(context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // The timer's action holds the context: let both go.
        self.life.removed()
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.isDone else { return }
        var bytes = Self.unwrapInboundIn(data)
        self.life.touch(context.eventLoop.now)
        // The state the loop touches is moved into locals for the read and back after: a class's stored
        // properties are checked for exclusive access at run time on every mutation, locals are not.
        var unframed: ByteBuffer
        if var earlier = self.unframed.take() {
            earlier.writeBuffer(&bytes)
            unframed = earlier
        } else {
            unframed = bytes
        }
        var batch = Batch(
            pending: self.pending.take() ?? context.channel.allocator.buffer(capacity: 1024),
            answered: self.answered,
            clock: self.life.recorder?.clock,
            frameStart: self.frameStart
        )
        self.answered = []
        var framer = self.framer
        var session = self.session
        var failure: (any Error)?
        do {
            while !self.isDone, let message = try framer.decode(buffer: &unframed) {
                self.answer(message, in: &session, batch: &batch)
            }
            if unframed.readableBytes > self.limits.maximumFrameSize {
                throw ByteToMessageDecoderError.PayloadTooLargeError()
            }
        } catch {
            failure = error
        }
        self.framer = framer
        self.session = session
        self.frameStart = unframed.readableBytes > 0 ? batch.frameStart : 0
        self.pending = batch.pending
        self.answered = batch.answered
        self.unframed = unframed.readableBytes > 0 ? unframed : nil
        if let failure { self.malformed(failure, context: context) }
    }

    /// What one read's pass gathers: the encoded answers and the journeys of the messages they answer.
    private struct Batch {
        var pending: ByteBuffer
        var answered: [RequestTimeline]
        let clock: JourneyClock?
        var frameStart: UInt64
        let readStart: UInt64

        init(pending: ByteBuffer, answered: [RequestTimeline], clock: JourneyClock?, frameStart: UInt64) {
            self.pending = pending
            self.answered = answered
            self.clock = clock
            self.readStart = clock?.now() ?? 0
            self.frameStart = frameStart == 0 ? self.readStart : frameStart
        }
    }

    /// Process and Write (into the batch) of one message.
    private func answer(_ message: Responder.Inbound, in session: inout Responder.Session, batch: inout Batch) {
        var timeline = RequestTimeline()
        if let clock = batch.clock, clock.isRunning {
            timeline.firstByte = batch.frameStart
            timeline.headArrived = batch.readStart
            timeline.headParsed = clock.now()
            timeline.bodyDecoded = timeline.headParsed
            // The next message's first byte is in this read.
            batch.frameStart = batch.readStart
        }
        do {
            let afterward = try self.responder.answer(
                message,
                in: &session,
                encodingWith: self.encoder,
                into: &batch.pending
            )
            if afterward == .close { self.isDone = true }
        } catch {
            self.life.logger.error("the encoder failed, closing the connection", metadata: ["error": "\(error)"])
            self.isDone = true
        }
        if let clock = batch.clock {
            timeline.processed = clock.now()
            batch.answered.append(timeline)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if self.isDone {
            self.flushThenClose(context: context)
        } else if !self.flushIsScheduled, self.pending?.readableBytes ?? 0 > 0 {
            // The answers go once every ready connection of this loop has been read (the loop runs its tasks
            // after its I/O), as Redis writes in `beforeSleep`: the writes then come back to back, and a client
            // woken by the first is still awake for the next instead of being woken again for each.
            self.flushIsScheduled = true
            context.eventLoop.assumeIsolated().execute {
                self.flushIsScheduled = false
                if let context = self.context { self.flush(context: context) }
            }
        }
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        guard !self.isDone else { return }
        // A peer that sends without reading: stop reading it until its answers drain.
        if context.channel.isWritable {
            context.read()
        } else {
            self.readIsHeld = true
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, self.readIsHeld {
            self.readIsHeld = false
            context.read()
        }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event as? ChannelEvent == .inputClosed {
            // The peer sent all it will: a last frame without its terminator may still be one.
            if !self.isDone, var unframed = self.unframed.take() {
                var batch = Batch(
                    pending: self.pending.take() ?? context.channel.allocator.buffer(capacity: 256),
                    answered: self.answered,
                    clock: self.life.recorder?.clock,
                    frameStart: self.frameStart
                )
                self.answered = []
                var session = self.session
                do {
                    while !self.isDone, let message = try self.framer.decodeLast(buffer: &unframed, seenEOF: true) {
                        self.answer(message, in: &session, batch: &batch)
                    }
                } catch {
                    self.pending = batch.pending
                    self.answered = batch.answered
                    self.malformed(error, context: context)
                    return
                }
                self.session = session
                self.pending = batch.pending
                self.answered = batch.answered
            }
            self.isDone = true
            self.flushThenClose(context: context)
            return
        }
        if event is ChannelShouldQuiesceEvent {
            // Every message read has been answered (there is no task in flight): close once they are written.
            self.isDone = true
            self.flushThenClose(context: context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.life.logger.debug("connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.isDone = true
        self.pending = nil
        self.unframed = nil
        self.life.closed()
        context.fireChannelInactive()
    }

    /// The framer threw: the answers so far, the farewell, then the connection closes. Logged once.
    private func malformed(_ error: any Error, context: ChannelHandlerContext) {
        let reason =
            error is ByteToMessageDecoderError.PayloadTooLargeError
            ? "frame larger than \(self.limits.maximumFrameSize) bytes" : "\(error)"
        self.life.logger.info("malformed frame, closing the connection", metadata: ["reason": "\(reason)"])
        self.life.recorder?.malformedFrame(slot: self.life.slot)
        self.isDone = true
        self.unframed = nil
        if let farewell = self.responder.farewell(for: error) {
            if self.pending == nil { self.pending = context.channel.allocator.buffer(capacity: 256) }
            try? self.encoder.encode(data: farewell, out: &self.pending!)
        }
        self.flushThenClose(context: context)
    }

    /// Writes what is pending, and closes the connection once it is written.
    private func flushThenClose(context: ChannelHandlerContext) {
        let promise = context.eventLoop.makePromise(of: Void.self)
        self.flush(context: context, promise: promise)
        promise.futureResult.hop(to: context.eventLoop).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    private func flush(context: ChannelHandlerContext, promise: EventLoopPromise<Void>? = nil) {
        guard let pending = self.pending, pending.readableBytes > 0 else {
            promise?.succeed()
            return
        }
        self.pending = nil
        self.life.write(pending, on: context, promise: promise, answering: &self.answered)
    }
}

@available(*, unavailable)
extension WireResponderHandler: Sendable {}
