import JourneyObserve
import JourneyWebSocket
import Logging
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension Configuration {
    /// This instance's name: `--instance-id`, or the host name and the main listener's port (its process id when
    /// the port is the kernel's choice, which is not known yet).
    public var instanceID: String {
        if let id = self.observe.instanceID { return id }
        var name = [UInt8](repeating: 0, count: 256)
        let found = name.withUnsafeMutableBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { gethostname($0.baseAddress!, $0.count - 1) == 0 }
        }
        let host = found ? String(decoding: name.prefix { $0 != 0 }, as: UTF8.self) : "localhost"
        let port = self.listeners.main.port
        return "\(host):\(port == 0 ? "pid\(getpid())" : String(port))"
    }
}

extension Server {
    /// The hub of the built-in pub/sub endpoint: on a Redis backplane when `--pubsub-redis` names one.
    static func makePubSubHub(
        _ configuration: Configuration,
        statistics: JourneyStatistics,
        on group: any EventLoopGroup,
        logger: Logger
    ) -> PubSubHub {
        let webSocket = configuration.webSocket
        let instance = configuration.instanceID
        guard let endpoint = webSocket.pubSubRedis else {
            return PubSubHub(includesSender: webSocket.pubSubIncludesSender, instance: instance)
        }
        let backplane = RedisBackplane(
            options: RedisBackplane.Options(
                endpoint: endpoint,
                prefix: webSocket.pubSubPrefix,
                history: webSocket.pubSubHistory
            ),
            instance: instance,
            statistics: statistics.backplane ?? BackplaneStatistics(),
            logger: logger,
            on: group.any()
        )
        return PubSubHub(includesSender: webSocket.pubSubIncludesSender, backplane: backplane, instance: instance)
    }

}
