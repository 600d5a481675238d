import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A client that plays one connection step by step, as a hostile or merely slow client would: send a head, wait for
/// the answer, go on sending, and tell how the server ended the connection (a clean end of stream or a reset).
///
/// Every wait has a bound; crossing it throws `StreamingClient.Timeout` with what was awaited.
public final class StreamingClient: Sendable {
    /// A wait ran past its bound.
    public struct Timeout: Error, CustomStringConvertible {
        /// What was awaited.
        public var description: String
    }

    /// How the server ended its side.
    public enum Ending: Equatable, Sendable {
        /// A FIN: everything it sent arrived, and it closed its side cleanly.
        case endOfStream
        /// A reset (ECONNRESET or EPIPE): the kernel may have thrown away what the server sent.
        case reset
    }

    private let channel: any Channel
    private let handler: NIOLoopBound<StreamingClientHandler>

    private init(channel: any Channel, handler: NIOLoopBound<StreamingClientHandler>) {
        self.channel = channel
        self.handler = handler
    }

    /// Connects to 127.0.0.1:`port`.
    public static func connect(port: Int) async throws -> StreamingClient {
        let group = MultiThreadedEventLoopGroup.singleton
        let loop = group.next()
        let handler = try await loop.submit { NIOLoopBound(StreamingClientHandler(), eventLoop: loop) }.get()
        let channel = try await ClientBootstrap(group: loop)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(handler.value)
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return StreamingClient(channel: channel, handler: handler)
    }

    /// Sends `bytes`; throws when the server has reset the connection (the write fails).
    public func send(_ bytes: [UInt8]) async throws {
        try await self.channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    /// Sends `text`'s UTF-8 bytes.
    public func send(_ text: String) async throws {
        try await self.send(Array(text.utf8))
    }

    /// Sends `count` bytes of `byte` in pieces of at most 64 KiB, each after the one before has been written.
    public func send(repeating byte: UInt8, count: Int) async throws {
        var left = count
        while left > 0 {
            let piece = min(left, 64 << 10)
            try await self.channel.writeAndFlush(ByteBuffer(repeating: byte, count: piece))
            left -= piece
        }
    }

    /// Sends `piece` bytes every `interval` until a write fails or `bound` passes: how long the server took to cut
    /// the connection, nil if it never did.
    public func trickle(_ piece: Int, every interval: TimeAmount, for bound: TimeAmount) async -> TimeAmount? {
        let loop = self.channel.eventLoop
        let channel = self.channel
        let cut = loop.makePromise(of: TimeAmount?.self)
        let start = NIODeadline.now()
        loop.execute {
            let task = loop.scheduleRepeatedTask(initialDelay: .zero, delay: interval) { task in
                guard NIODeadline.now() - start < bound else {
                    task.cancel()
                    cut.succeed(nil)
                    return
                }
                channel.writeAndFlush(ByteBuffer(repeating: UInt8(ascii: "x"), count: piece)).whenFailure { _ in
                    task.cancel()
                    cut.succeed(NIODeadline.now() - start)
                }
            }
            cut.futureResult.whenComplete { _ in task.cancel() }
        }
        return (try? await cut.futureResult.get()) ?? nil
    }

    /// Waits until what the server sent so far satisfies `isComplete` (say, a whole answer), and returns it.
    public func receive(
        within bound: TimeAmount = .seconds(20),
        until isComplete: @escaping @Sendable ([UInt8]) -> Bool
    ) async throws -> [UInt8] {
        let handler = self.handler
        return try await self.wait(at: bound, for: "an answer") { handler.value.wait(for: isComplete, promise: $0) }
    }

    /// Waits for the head of an answer and returns it as text (through its blank line).
    public func receiveHead(within bound: TimeAmount = .seconds(20)) async throws -> String {
        let bytes = try await self.receive(within: bound) { $0.firstRange(of: Array("\r\n\r\n".utf8)) != nil }
        let end = bytes.firstRange(of: Array("\r\n\r\n".utf8))!.upperBound
        return String(decoding: bytes[..<end], as: UTF8.self)
    }

    /// How the server ended its side, waiting up to `bound` for it.
    public func ending(within bound: TimeAmount = .seconds(20)) async throws -> Ending {
        let handler = self.handler
        return try await self.wait(at: bound, for: "the server to end the connection") { handler.value.whenEnded($0) }
    }

    /// Hands the handler a promise on the loop (`register`) and waits for it; past `bound` it fails with `Timeout`.
    private func wait<Value: Sendable>(
        at bound: TimeAmount,
        for awaited: String,
        register: @escaping @Sendable (EventLoopPromise<Value>) -> Void
    ) async throws -> Value {
        let loop = self.channel.eventLoop
        return try await loop.flatSubmit {
            let promise = loop.makePromise(of: Value.self)
            register(promise)
            let timeout = loop.scheduleTask(in: bound) { promise.fail(Timeout(description: awaited)) }
            promise.futureResult.whenComplete { _ in timeout.cancel() }
            return promise.futureResult
        }.get()
    }

    /// Whether the connection was reset at any point so far.
    public var wasReset: Bool {
        get async throws {
            let handler = self.handler
            return try await self.channel.eventLoop.submit { handler.value.sawReset }.get()
        }
    }

    /// Shuts the client's side (FIN): it sends nothing more.
    public func closeOutput() async throws {
        try await self.channel.close(mode: .output)
    }

    /// Closes the connection.
    public func close() async {
        try? await self.channel.close()
    }
}

/// The client's side of the pipeline; touched only on its event loop.
final class StreamingClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private(set) var received: [UInt8] = []
    private(set) var sawReset = false
    private var ending: StreamingClient.Ending?
    private var waiters: [(isComplete: ([UInt8]) -> Bool, promise: EventLoopPromise<[UInt8]>)] = []
    private var endWaiters: [EventLoopPromise<StreamingClient.Ending>] = []

    func wait(for isComplete: @escaping ([UInt8]) -> Bool, promise: EventLoopPromise<[UInt8]>) {
        if isComplete(self.received) {
            promise.succeed(self.received)
        } else if self.ending != nil {
            promise.fail(StreamingClient.Timeout(description: "an answer, but the connection ended first"))
        } else {
            self.waiters.append((isComplete, promise))
        }
    }

    func whenEnded(_ promise: EventLoopPromise<StreamingClient.Ending>) {
        if let ending = self.ending { promise.succeed(ending) } else { self.endWaiters.append(promise) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.received += Self.unwrapInboundIn(data).readableBytesView
        let waiting = self.waiters
        self.waiters = []
        for waiter in waiting {
            if waiter.isComplete(self.received) {
                waiter.promise.succeed(self.received)
            } else {
                self.waiters.append(waiter)
            }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event { self.end(.endOfStream) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? IOError, error.errnoCode == ECONNRESET || error.errnoCode == EPIPE {
            self.sawReset = true
            self.end(.reset)
        }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        // Closed without a FIN seen first: only a reset does that.
        self.end(.reset)
    }

    private func end(_ ending: StreamingClient.Ending) {
        guard self.ending == nil else { return }
        self.ending = ending
        for waiter in self.waiters {
            waiter.promise.fail(StreamingClient.Timeout(description: "an answer, but the connection ended first"))
        }
        self.waiters = []
        for promise in self.endWaiters { promise.succeed(ending) }
        self.endWaiters = []
    }
}

@available(*, unavailable)
extension StreamingClientHandler: Sendable {}
