import JourneyCore
import NIOCore

/// The connection's side of a request body streamed to its handler: pieces go in as they are read; reading the
/// socket (or, over HTTP/2, opening the stream's window) stops while the handler has enough and resumes when it asks
/// for more.
///
/// Both HTTP versions hold one per streamed request and send it every `read()` their pipeline passes on
/// (`passesRead()`): a read held back is issued again once the handler wants more.
package final class StreamedRequestBody {
    /// How many pieces may wait for the handler before reading stops, and how few before it resumes.
    package static let highWatermark = 16
    package static let lowWatermark = 2

    private let source: RequestBody.Producer.Source
    private let readAgain: () -> Void
    /// The handler has enough for now: reads are held back.
    private var holdsReads = false
    /// A read was held back and is owed once the handler wants more.
    private var owesRead = false
    /// The handler stopped reading the body (it answered without it): what arrives now is dropped.
    private(set) var isAbandoned = false

    private init(source: RequestBody.Producer.Source, readAgain: @escaping () -> Void) {
        self.source = source
        self.readAgain = readAgain
    }

    /// A streamed body for a request on `eventLoop`, and the `RequestBody` its handler reads; `readAgain` issues a
    /// held-back read (`context.read()`). Called on `eventLoop`.
    package static func make(
        on eventLoop: any EventLoop,
        readAgain: @escaping () -> Void
    ) -> (StreamedRequestBody, RequestBody) {
        let box = NIOLoopBoundBox<StreamedRequestBody?>(nil, eventLoop: eventLoop)
        let delegate = RequestBodyDelegate(
            demanded: { eventLoop.execute { box.value?.demanded() } },
            abandoned: { eventLoop.execute { box.value?.abandoned() } }
        )
        let made = RequestBody.Producer.makeSequence(
            backPressureStrategy: .init(lowWatermark: Self.lowWatermark, highWatermark: Self.highWatermark),
            finishOnDeinit: false,
            delegate: delegate
        )
        let body = StreamedRequestBody(source: made.source, readAgain: readAgain)
        box.value = body
        return (body, RequestBody(streaming: made.sequence))
    }

    /// Hands `piece` to the handler; past the high watermark, reads stop until it asks for more.
    package func receive(_ piece: ByteBuffer) {
        guard !self.isAbandoned else { return }
        switch self.source.yield(piece) {
        case .stopProducing: self.holdsReads = true
        case .produceMore, .dropped: break
        }
    }

    /// The body is complete.
    package func finish() {
        self.source.finish()
    }

    /// The body will not be complete: the handler's next read throws `error` (413 over the limit, 408 too slow, 400
    /// broken off).
    package func fail(_ error: any Error) {
        self.source.finish(error)
    }

    /// Whether a `read()` may go on to the socket now; when not, it is owed and issued once the handler wants more.
    package func passesRead() -> Bool {
        guard self.holdsReads, !self.isAbandoned else { return true }
        self.owesRead = true
        return false
    }

    private func demanded() {
        self.holdsReads = false
        if self.owesRead {
            self.owesRead = false
            self.readAgain()
        }
    }

    private func abandoned() {
        self.isAbandoned = true
        self.demanded()
    }

    /// The connection is done with the body (its response has ended, or the body failed): nothing more is handed
    /// over, and a read held back is issued, so the connection can drain what the client still sends.
    package func release() {
        self.abandoned()
    }
}

@available(*, unavailable)
extension StreamedRequestBody: Sendable {}
