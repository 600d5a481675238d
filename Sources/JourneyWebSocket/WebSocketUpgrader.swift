import HTTPTypes
import JourneyConnection
import JourneyCore
import JourneyHTTP1
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1
import NIOWebSocket

/// Turns an `Upgrade: websocket` request for one of its routes into a WebSocket connection (RFC 6455 §4.2).
///
/// NIO's upgrade handler takes one upgrader per protocol name, so this one serves every WebSocket route of a
/// listener. It checks the handshake and the origin, agrees on a subprotocol and on permessage-deflate, asks the
/// route, and answers what it refuses with an HTTP status (`HTTPError`, on the same connection). NIO's
/// `NIOWebSocketServerUpgrader` then writes the 101 and puts the frame codec in place; the session
/// (`WebSocketSessionHandler`) runs in the pipeline, on the connection's own event loop.
package struct WebSocketUpgrader: HTTPServerProtocolUpgrader, Sendable {
    /// "websocket", the `Upgrade` token (RFC 6455 §4.1).
    package let supportedProtocol = "websocket"
    /// None beyond `Upgrade`: the handshake's own fields are checked here, with the statuses RFC 6455 asks for.
    package let requiredUpgradeHeaders: [String] = []

    private let routes: any WebSocketRouteTable
    private let journey: JourneyRecorders?
    private let logger: Logger

    /// An upgrader for the WebSocket routes of `routes` (the listener's router); their connections count into
    /// `journey`.
    package init(routes: any WebSocketRouteTable, journey: JourneyRecorders? = nil, logger: Logger) {
        self.routes = routes
        self.journey = journey
        self.logger = logger
    }

    /// Checks the handshake and asks the route; fails with `UpgradeDeclined` for a path that is not a WebSocket
    /// route (the request is then served as any other) and with an `HTTPError` for a refusal (its answer).
    package func buildUpgradeResponse(
        channel: any Channel,
        upgradeRequest head: HTTPRequestHead,
        initialResponseHeaders: HTTPHeaders
    ) -> EventLoopFuture<HTTPHeaders> {
        guard let route = self.route(for: head) else {
            return channel.eventLoop.makeFailedFuture(UpgradeDeclined())
        }
        if let problem = WebSocketHandshake.problem(with: head) {
            return channel.eventLoop.makeFailedFuture(problem)
        }
        let origins = route.options.allowedOrigins
        if !origins.isEmpty {
            // RFC 6455 §4.2.2 item 4: an origin the server does not accept gets a 403.
            guard let origin = head.headers.first(name: "origin"), origins.contains(origin) else {
                return channel.eventLoop.makeFailedFuture(HTTPError(.forbidden))
            }
        }
        guard let context = self.context(for: head, route: route, channel: channel) else {
            return channel.eventLoop.makeFailedFuture(HTTPError(.badRequest))
        }
        var headers = initialResponseHeaders
        if let subprotocol = context.subprotocol {
            headers.add(name: "Sec-WebSocket-Protocol", value: subprotocol)
        }
        if let agreed = route.options.deflate(offered: head) {
            headers.add(name: "Sec-WebSocket-Extensions", value: agreed.responseValue)
        }
        if case .refuse(let status, let fields) = route.admits?(context) {
            return channel.eventLoop.makeFailedFuture(HTTPError(status, headerFields: fields))
        }
        let decision: EventLoopFuture<WebSocketUpgradeDecision>
        if self.routes.admitsEveryUpgrade, route.shouldUpgrade == nil {
            // Nothing to ask: no task.
            decision = channel.eventLoop.makeSucceededFuture(.upgrade())
        } else {
            // The router's middleware first, then the route's own check.
            let routes = self.routes
            var clientContext = RequestContext(channel: channel, logger: context.logger)
            clientContext.clientAddress = context.remoteAddress
            let requestContext = clientContext
            let promise = channel.eventLoop.makePromise(of: WebSocketUpgradeDecision.self)
            promise.completeWithTask {
                switch await routes.admit(context.request, context: requestContext) {
                case .refused(let status, let fields):
                    return .refuse(status, fields)
                case .admitted(let fields):
                    guard let check = route.shouldUpgrade else { return .upgrade(fields) }
                    switch await check(context) {
                    case .upgrade(let own): return .upgrade(fields + own)
                    case .refuse(let status, let own): return .refuse(status, own)
                    }
                }
            }
            decision = promise.futureResult
        }
        let agreed = headers
        return decision.flatMap { decision in
            switch decision {
            case .refuse(let status, let fields):
                return channel.eventLoop.makeFailedFuture(HTTPError(status, headerFields: fields))
            case .upgrade(let fields):
                var headers = agreed
                for field in fields { headers.add(name: field.name.rawName, value: field.value) }
                // NIO's upgrader computes Sec-WebSocket-Accept and adds Upgrade and Connection.
                let response = headers
                return NIOWebSocketServerUpgrader(
                    shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture(response) },
                    upgradePipelineHandler: { channel, _ in channel.eventLoop.makeSucceededVoidFuture() }
                ).buildUpgradeResponse(channel: channel, upgradeRequest: head, initialResponseHeaders: [:])
            }
        }
    }

    /// Puts the frame codec and the session in place and starts the route's session;
    /// after the 101 has been written.
    package func upgrade(context: ChannelHandlerContext, upgradeRequest head: HTTPRequestHead) -> EventLoopFuture<Void>
    {
        guard let route = self.route(for: head),
            let sessionContext = self.context(for: head, route: route, channel: context.channel)
        else {
            return context.eventLoop.makeFailedFuture(UpgradeDeclined())
        }
        let options = route.options
        let journey = self.journey
        return NIOWebSocketServerUpgrader(
            // A message in one frame is checked against the message limit here; the session checks fragmented ones.
            maxFrameSize: min(options.maximumFrameSize, options.maximumMessageSize),
            automaticErrorHandling: true,
            shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture([:]) },
            upgradePipelineHandler: { channel, _ in
                channel.eventLoop.makeCompletedFuture {
                    let recorder = journey?.recorder(on: channel.eventLoop)
                    let pipeline = channel.pipeline.syncOperations
                    let watermark = try channel.syncOptions?.getOption(.writeBufferWaterMark)
                    try pipeline.addHandler(
                        WebSocketSessionHandler(
                            options: options,
                            deflate: options.deflate(offered: head),
                            highWatermark: watermark?.high ?? Int.max,
                            recorder: recorder
                        ) { socket in route.start(socket, context: sessionContext) }
                    )
                }
            }
        ).upgrade(context: context, upgradeRequest: head)
    }

    private func route(for head: HTTPRequestHead) -> WebSocketRoute? {
        let uri = head.uri
        let path = uri.utf8.firstIndex(of: UInt8(ascii: "?")).map { uri[..<$0] } ?? uri[...]
        return self.routes.webSocketRoute(for: path)
    }

    /// The handler's context: the request, the peer and the subprotocol agreed on: of the client's offers, the one
    /// the route prefers (RFC 6455 §4.2.2 item 5.4); none when the route speaks none of them.
    private func context(
        for head: HTTPRequestHead,
        route: WebSocketRoute,
        channel: any Channel
    ) -> WebSocketRequestContext? {
        guard let request = HTTPRequest(http1: head) else { return nil }
        let offered = WebSocketHandshake.listValues("sec-websocket-protocol", in: head)
        let subprotocol = route.options.subprotocols.first { offered.contains(Substring($0)) }
        var logger = self.logger
        logger[metadataKey: "websocket"] = "\(route.path)"
        return WebSocketRequestContext(
            request: Request(head: request),
            // Behind a trusted proxy, the client it names.
            remoteAddress: ClientAddressHandler.find(in: channel)?.clientAddress(
                of: channel,
                fields: request.headerFields
            )
                ?? channel.remoteAddress,
            subprotocol: subprotocol,
            logger: logger,
            eventLoop: channel.eventLoop
        )
    }
}

extension WebSocketOptions {
    /// What permessage-deflate the upgrade `head` gets under these options: its first acceptable offer; nil when
    /// compression is off or nothing offered is acceptable.
    func deflate(offered head: HTTPRequestHead) -> PerMessageDeflateAgreement? {
        guard case .deflate(let windowBits, let noContextTakeover) = self.compression else { return nil }
        let offers = head.headers[canonicalForm: "sec-websocket-extensions"].map(String.init)
        guard !offers.isEmpty else { return nil }
        return PerMessageDeflateAgreement(offers: offers, windowBits: windowBits, noContextTakeover: noContextTakeover)
    }
}
