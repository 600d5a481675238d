import CCrypt
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Checks Basic credentials against `crypt(3)` hashes on the thread pool: bcrypt and yescrypt take tens of
/// milliseconds by design, which no event loop may spend. A pair that checked out is remembered for a few minutes
/// (a browser sends it with every request), so only the first request of a visit pays.
final class PasswordCheck: Sendable {
    private let users: [String: String]
    private let threadPool: NIOThreadPool
    /// Authorization values that checked out, with when they stop counting.
    private let verified = NIOLockedValueBox<[String: NIODeadline]>([:])
    private static let remembered = TimeAmount.minutes(5)
    private static let rememberedAtMost = 1024

    init(users: [String: String], threadPool: NIOThreadPool) {
        self.users = users
        self.threadPool = threadPool
    }

    /// Whether `authorization` (the field's value) carries a user and the password its hash was made from.
    func check(_ authorization: String?, on eventLoop: any EventLoop) -> EventLoopFuture<Bool> {
        guard let authorization, let (user, password) = Self.credentials(in: authorization),
            let hash = self.users[user]
        else { return eventLoop.makeSucceededFuture(false) }
        let now = NIODeadline.now()
        if let until = self.verified.withLockedValue({ $0[authorization] }), until > now {
            return eventLoop.makeSucceededFuture(true)
        }
        return self.threadPool.runIfActive(eventLoop: eventLoop) { Self.matches(password, hash: hash) }.map {
            matches in
            if matches {
                self.verified.withLockedValue { verified in
                    if verified.count >= Self.rememberedAtMost { verified = verified.filter { $0.value > now } }
                    if verified.count < Self.rememberedAtMost { verified[authorization] = now + Self.remembered }
                }
            }
            return matches
        }
    }

    /// `user` and `password` of `Basic base64(user:password)` (RFC 7617); nil for anything else.
    static func credentials(in authorization: String) -> (user: String, password: String)? {
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",
            let decoded = Data(base64Encoded: String(parts[1].trimmingBlanks)).map(Array.init),
            let colon = decoded.firstIndex(of: UInt8(ascii: ":"))
        else { return nil }
        let user = String(decoding: decoded[..<colon], as: UTF8.self)
        let password = String(decoding: decoded[(colon + 1)...], as: UTF8.self)
        return (user, password)
    }

    /// Whether crypt(3) of `password` with `hash`'s salt and settings gives `hash` (compared in constant time).
    static func matches(_ password: String, hash: String) -> Bool {
        let data = UnsafeMutablePointer<crypt_data>.allocate(capacity: 1)
        defer { data.deallocate() }
        // crypt_r wants `initialized` zeroed before its first use of `data`.
        UnsafeMutableRawPointer(data).initializeMemory(
            as: UInt8.self,
            repeating: 0,
            count: MemoryLayout<crypt_data>.size
        )
        guard let result = crypt_r(password, hash, data), result.pointee != UInt8(ascii: "*") else { return false }
        let computed = Array(String(cString: result).utf8)
        let expected = Array(hash.utf8)
        guard computed.count == expected.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(computed, expected) { difference |= a ^ b }
        return difference == 0
    }
}
