/// What WebSocket connections did over an interval: messages and payload bytes each way, and what the
/// slow-consumer policy cost (messages dropped, peers disconnected).
public struct WebSocketTally: Sendable, Equatable {
    /// Whole messages received.
    public var messagesReceived: UInt64 = 0
    /// Payload bytes received.
    public var bytesReceived: UInt64 = 0
    /// Whole messages sent.
    public var messagesSent: UInt64 = 0
    /// Payload bytes sent.
    public var bytesSent: UInt64 = 0
    /// Messages dropped for peers whose outbound queue was full (`SlowConsumerPolicy.drop`).
    public var messagesDropped: UInt64 = 0
    /// Peers disconnected because their outbound queue was full (`SlowConsumerPolicy.disconnect`).
    public var slowConsumersDisconnected: UInt64 = 0

    /// Nothing counted.
    package init() {}

    /// Adds `other`'s counts.
    package mutating func merge(_ other: WebSocketTally) {
        self.messagesReceived &+= other.messagesReceived
        self.bytesReceived &+= other.bytesReceived
        self.messagesSent &+= other.messagesSent
        self.bytesSent &+= other.bytesSent
        self.messagesDropped &+= other.messagesDropped
        self.slowConsumersDisconnected &+= other.slowConsumersDisconnected
    }
}
