import JourneyConnection
import NIOCore
import NIOWebSocket
@_spi(WSInternal) import WSCore

/// One upgraded connection's session: WSCore's handler (ping/pong, the close handshake, fragments, UTF-8,
/// deflate) around the route's handler, run as a task on the connection's own event loop.
struct WebSocketSession {
    let channel: any Channel
    let options: WebSocketOptions
    let extensions: [any WebSocketExtension]
    let context: WebSocketRequestContext
    let handler: WebSocketRoute.Handler

    /// Wraps the channel and starts the task; on the channel's event loop, right after the upgrade.
    func start() throws {
        let asyncChannel = try NIOAsyncChannel<WebSocketFrame, WebSocketFrame>(
            wrappingChannelSynchronously: self.channel,
            configuration: .init(isOutboundHalfClosureEnabled: true)
        )
        let configuration = WebSocketHandler.Configuration(
            extensions: self.extensions,
            // Pings are sent by WebSocketConnectionHandler, which also has a pong timeout of its own.
            autoPing: .disabled,
            closeTimeout: .seconds(10),
            validateUTF8: true,
            maxFrameSize: self.options.maximumFrameSize
        )
        let maximumMessageSize = self.options.maximumMessageSize
        let queue = NIOLoopBound(
            try self.channel.pipeline.syncOperations.handler(type: WebSocketOutboundQueue.self),
            eventLoop: self.channel.eventLoop
        )
        let handler = self.handler
        let context = self.context
        Task(executorPreference: EventLoopTaskExecutor(self.channel.eventLoop)) {
            do {
                _ = try await WebSocketHandler.handle(
                    type: .server,
                    configuration: configuration,
                    asyncChannel: asyncChannel,
                    context: context,
                    handler: { inbound, outbound, context in
                        try await handler(
                            WebSocketInbound(messages: inbound.messages(maxSize: maximumMessageSize)),
                            WebSocketOutbound(writer: outbound, queue: queue),
                            context
                        )
                    }
                )
            } catch {
                context.logger.debug("websocket session ended", metadata: ["error": "\(error)"])
            }
        }
    }
}
