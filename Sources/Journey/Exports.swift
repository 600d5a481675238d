// What `import Journey` gives a user: the server, its configuration and router (this module), and from the stage
// modules only what a handler (Request, Response, Responder, HTTPError), a WebSocket route, a wire protocol, a
// configuration value or a reader of the journey (JourneyStatistics, JourneySnapshot) needs, with HTTPTypes whole as
// the vocabulary and NIOCore's few types a handler meets. The stages' plumbing (timelines, deadlines, recorders,
// writers) stays `package`; an embedder who builds a pipeline imports the stage products (JourneyHTTP1, JourneyHTTP2,
// JourneyStaticFiles, JourneyWire, JourneyRESP). `API/` holds every module's public symbols; CI fails when they change
// without it (Scripts/api-symbols).

@_exported import HTTPTypes

@_exported import enum JourneyAccept.AcceptModel
@_exported import protocol JourneyConnection.ConnectionProtocol
@_exported import struct JourneyConnection.ConnectionTimeouts
@_exported import struct JourneyConnection.LingeringClose
@_exported import struct JourneyConnection.MinimumDataRate
@_exported import struct JourneyCore.AccessLogEntry
@_exported import protocol JourneyCore.AccessLogSink
@_exported import struct JourneyCore.EventStreamWriter
@_exported import struct JourneyCore.FileSlice
@_exported import struct JourneyCore.HTTPError
@_exported import struct JourneyCore.HTTPVersionNumber
@_exported import struct JourneyCore.JourneyInterval
@_exported import class JourneyCore.OpenFile
@_exported import struct JourneyCore.Request
@_exported import struct JourneyCore.RequestBody
@_exported import struct JourneyCore.RequestBodyPolicy
@_exported import struct JourneyCore.RequestContext
@_exported import protocol JourneyCore.RequestContextKey
@_exported import struct JourneyCore.RequestTimeline
@_exported import protocol JourneyCore.Responder
@_exported import struct JourneyCore.Response
@_exported import enum JourneyCore.ResponseBody
@_exported import enum JourneyCore.ResponseBodyPart
@_exported import struct JourneyCore.ResponseBodyStream
@_exported import struct JourneyCore.ResponseBodyWriter
@_exported import struct JourneyCore.RouteParameters
@_exported import struct JourneyCore.ServerSentEvent
@_exported import enum JourneyCore.Stage
@_exported import struct JourneyHTTP1.HTTP1Limits
@_exported import struct JourneyHTTP2.HTTP2Limits
@_exported import struct JourneyObserve.AccessLogFormat
@_exported import struct JourneyObserve.AccessLogTemplate
@_exported import class JourneyObserve.BackplaneStatistics
@_exported import struct JourneyObserve.JourneySnapshot
@_exported import class JourneyObserve.JourneyStatistics
@_exported import struct JourneyRESP.RESPProtocol
@_exported import struct JourneyRESP.RedisEndpoint
@_exported import struct JourneyStaticFiles.InMemoryFiles
@_exported import struct JourneyStaticFiles.StaticFileOptions
@_exported import struct JourneyStaticFiles.StaticFileResponder
@_exported import struct JourneyTLS.DevelopmentCertificate
@_exported import struct JourneyWebSocket.EncodedFrame
@_exported import protocol JourneyWebSocket.PubSubBackplane
@_exported import struct JourneyWebSocket.PubSubBackplaneUnavailable
@_exported import struct JourneyWebSocket.PubSubEndpoint
@_exported import enum JourneyWebSocket.PubSubHistory
@_exported import class JourneyWebSocket.PubSubHub
@_exported import struct JourneyWebSocket.PubSubMessage
@_exported import struct JourneyWebSocket.PubSubOrigin
@_exported import struct JourneyWebSocket.PubSubPosition
@_exported import struct JourneyWebSocket.PubSubPublication
@_exported import enum JourneyWebSocket.SlowConsumerPolicy
@_exported import class JourneyWebSocket.WebSocket
@_exported import struct JourneyWebSocket.WebSocketClosedError
@_exported import enum JourneyWebSocket.WebSocketCompression
@_exported import struct JourneyWebSocket.WebSocketInbound
@_exported import struct JourneyWebSocket.WebSocketKeepalive
@_exported import enum JourneyWebSocket.WebSocketMessage
@_exported import struct JourneyWebSocket.WebSocketOptions
@_exported import struct JourneyWebSocket.WebSocketOutbound
@_exported import struct JourneyWebSocket.WebSocketRequestContext
@_exported import struct JourneyWebSocket.WebSocketRoute
@_exported import enum JourneyWebSocket.WebSocketUpgradeDecision
@_exported import struct JourneyWire.LengthPrefixEncoder
@_exported import struct JourneyWire.LineEncoder
@_exported import struct JourneyWire.RawBytesEncoder
@_exported import enum JourneyWire.WireAfterAnswer
@_exported import struct JourneyWire.WireContext
@_exported import struct JourneyWire.WireInbound
@_exported import struct JourneyWire.WireLimits
@_exported import struct JourneyWire.WireOutbound
@_exported import protocol JourneyWire.WireProtocol
@_exported import protocol JourneyWire.WireResponder
@_exported import enum JourneyWire.WireResponse
@_exported import struct MultipartKit.MultipartPart
@_exported import struct NIOCore.ByteBuffer
@_exported import struct NIOCore.ByteBufferAllocator
@_exported import protocol NIOCore.Channel
@_exported import protocol NIOCore.EventLoop
@_exported import class NIOCore.EventLoopFuture
@_exported import struct NIOCore.EventLoopPromise
@_exported import enum NIOCore.SocketAddress
@_exported import struct NIOCore.TimeAmount
