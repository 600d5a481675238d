import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// TCP_CORK around a head and the file sent after it: the kernel holds partial segments until uncorked, so the
/// head and the file's first bytes leave together in full segments (nginx's `tcp_nopush`). Linux only; elsewhere
/// a no-op.
enum TCPCork {
    /// Corks (`true`) or uncorks `context`'s socket; uncorking pushes what is held.
    static func set(_ corked: Bool, on context: ChannelHandlerContext) {
        #if os(Linux)
        let option = ChannelOptions.Types.SocketOption(level: .tcp, name: NIOBSDSocket.Option(rawValue: TCP_CORK))
        try? context.channel.syncOptions?.setOption(option, value: corked ? 1 : 0)
        #endif
    }
}
