import Foundation
import Journey
import JourneyTestSupport
import Testing

@testable import JourneyAccept

#if canImport(Glibc)
import Glibc
#endif

/// The main site on several sockets: IPv4 and IPv6, a Unix domain socket with its mode and owner, and the sockets
/// systemd passes (socket activation).
@Suite(.requires(.curl), .timeLimit(.minutes(2)))
struct ListenersTests {
    @Test func theSiteIsServedOnIPv6AndAUnixSocketBesideIPv4() async throws {
        let directory = try TemporaryDirectory()
        try directory.write("everywhere\n", to: "site/page.txt")
        var configuration = Configuration()
        configuration.staticFiles = StaticFileOptions(root: directory.path + "/site")
        configuration.listeners.additional = [ListenAddress(host: "::1", port: 0)]
        let user = String(cString: getpwuid(getuid()).pointee.pw_name)
        let group = String(cString: getgrgid(getgid()).pointee.gr_name)
        let socketPath = directory.path + "/journey.sock"
        // A stale socket file from an earlier run is replaced, not an error (Python binds one and leaves it).
        let stale = try await Process.output(
            of: try ExternalTool.python.require(),
            arguments: ["-c", "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", socketPath]
        )
        #expect(stale.status == 0)
        configuration.listeners.unixSockets = [
            UnixSocketListener(path: socketPath, mode: 0o640, owner: "\(user):\(group)")
        ]
        try await TestServer.with(configuration) { server in
            let listening = server.server.listening.filter { $0.role == .main }
            #expect(listening.map(\.address.host) == ["127.0.0.1", "::1", "unix:" + socketPath])
            let ipv6 = try #require(listening.first { $0.address.host == "::1" }?.address.port)
            #expect(try await Curl.run(["-g", "http://[::1]:\(ipv6)/page.txt"]).text == "everywhere\n")
            #expect(
                try await Curl.run(["--unix-socket", socketPath, "http://localhost/page.txt"]).text == "everywhere\n"
            )
            #expect(try await server.curl([server.url("/page.txt")]).text == "everywhere\n")
            let attributes = try FileManager.default.attributesOfItem(atPath: socketPath)
            #expect((attributes[.posixPermissions] as? Int) == 0o640)
            #expect((attributes[.type] as? FileAttributeType) == .typeSocket)
            #expect((attributes[.ownerAccountName] as? String) == user)
        }
    }

    @Test func anUnknownOwnerStopsTheStart() async throws {
        let directory = try TemporaryDirectory()
        var configuration = Configuration()
        configuration.listeners.unixSockets = [
            UnixSocketListener(path: directory.path + "/journey.sock", owner: "no-such-user-journey")
        ]
        configuration.listeners.main.port = 0
        let server = Server(configuration: configuration)
        await #expect(throws: UnixSocketError.self) { try await server.start() }
        // What it had bound before the refusal is let go.
        #expect(try await server.shutdown())
    }

    @Test func socketActivationTakesOnlyTheSocketsMeantForThisProcess() {
        #expect(SocketActivation.descriptors(environment: ["LISTEN_PID": "42", "LISTEN_FDS": "2"], pid: 42) == [3, 4])
        #expect(SocketActivation.descriptors(environment: ["LISTEN_PID": "41", "LISTEN_FDS": "2"], pid: 42) == [])
        #expect(SocketActivation.descriptors(environment: ["LISTEN_FDS": "2"], pid: 42) == [])
        #expect(SocketActivation.descriptors(environment: ["LISTEN_PID": "42", "LISTEN_FDS": "zero"], pid: 42) == [])
    }

    /// systemd binds the socket, then starts the service with it as descriptor 3, `LISTEN_FDS=1` and `LISTEN_PID`
    /// set to the service's own pid: Python does the same here, then becomes journey (exec keeps the pid).
    @Test(.enabled(if: JourneyBinary.url != nil || ExternalTool.isCI, "needs the journey binary (swift build)"))
    func socketActivationServesOnTheSocketSystemdPasses() async throws {
        let directory = try TemporaryDirectory()
        try directory.write("activated\n", to: "site/page.txt")
        let file = try directory.write(
            """
            listeners:
              main: 127.0.0.1:1
              socketActivation: true
            staticFiles:
              root: \(directory.path)/site
            """,
            to: "journey.yaml"
        )
        let launcher = """
            import os, socket, sys
            listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listening.bind(("127.0.0.1", 0))
            listening.listen(128)
            if listening.fileno() != 3:
                os.dup2(listening.fileno(), 3)
            os.set_inheritable(3, True)
            os.environ["LISTEN_FDS"] = "1"
            os.environ["LISTEN_PID"] = str(os.getpid())
            os.execv(sys.argv[1], sys.argv[1:])
            """
        let running = try await RunningJourney(
            executable: try ExternalTool.python.require(),
            arguments: ["-c", launcher, try JourneyBinary.require(), "run", "--config", file]
        )
        let port = try await running.port()
        #expect(port != 1)
        #expect(try await Curl.run([Curl.url("/page.txt", port: port)]).text == "activated\n")
        #expect(await running.terminate() == 0)
    }
}
