import NIOConcurrencyHelpers
import NIOCore

/// Reloads the browsers looking at a folder when a file in it changes: a WebSocket every page connects to
/// (through a script added to HTML responses), and one "reload" message to all of them a moment after a change.
///
/// Changes are gathered for `settleTime` before the message goes out: an editor's save is several events
/// (write, rename, attributes), and one reload should follow it, not four.
package final class LiveReload: Sendable {
    /// Where pages connect.
    package static let path = "/_journey/reload"
    /// The hub topic the reload goes out on.
    static let topic = "_journey/reload"
    /// How long changes are gathered before the browsers are told.
    package let settleTime: TimeAmount

    private let hub = PubSubHub()
    private let pending = NIOLockedValueBox(false)

    /// Live reload; changes within `settleTime` of each other make one reload.
    package init(settleTime: TimeAmount = .milliseconds(30)) {
        self.settleTime = settleTime
    }

    /// The WebSocket route pages connect to: "ready" once the page is subscribed, then "reload" on changes.
    package var route: WebSocketRoute {
        let hub = self.hub
        var options = WebSocketOptions()
        options.compression = .off
        options.maximumMessageSize = 1 << 10
        return WebSocketRoute(Self.path, options: options) { socket, _ in
            hub.subscribe(socket, to: Self.topic)
            socket.onClose { socket, _ in hub.unsubscribe(socket, from: Self.topic) }
            socket.send(text: "ready")
        }
    }

    /// A file changed: the pages reload once the changes settle. `eventLoop` keeps the time.
    package func fileChanged(on eventLoop: any EventLoop) {
        let first = self.pending.withLockedValue { pending in
            defer { pending = true }
            return !pending
        }
        guard first else { return }
        eventLoop.scheduleTask(in: self.settleTime) {
            self.pending.withLockedValue { $0 = false }
            self.hub.publish(EncodedFrame(text: ByteBuffer(string: "reload")), to: Self.topic)
        }
    }

    /// The script added to HTML responses: it connects, reloads the page on "reload", and after the server went
    /// away (a restart) reconnects each second and reloads once it is back.
    package static let script = ByteBuffer(
        string: """

            <script>/* journey --live-reload */(() => {
              const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "\(path)";
              let opened = false;
              const connect = () => {
                const socket = window.journeyLiveReload = new WebSocket(url);
                socket.onopen = () => { if (opened) location.reload(); opened = true; };
                socket.onmessage = (event) => {
                  if (event.data === "reload") location.reload(); else window.journeyLiveReloadReady = true;
                };
                socket.onclose = () => setTimeout(connect, 1000);
              };
              connect();
            })();</script>

            """
    )
}
