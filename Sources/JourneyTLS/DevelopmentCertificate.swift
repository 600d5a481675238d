import Crypto
import SwiftASN1
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A certificate for local development, made the way mkcert makes one: a local certificate authority (made once,
/// trusted once by the developer) signs a leaf for the hosts served. No openssl: swift-certificates and
/// swift-crypto do the work.
public struct DevelopmentCertificate: Sendable {
    /// The folder holding the files.
    public let folder: String

    /// The leaf certificate chain the server sends (PEM).
    public var certificatePath: String { self.folder + "/cert.pem" }
    /// The leaf's private key (PEM, PKCS#8, readable by the owner only).
    public var privateKeyPath: String { self.folder + "/key.pem" }
    /// The authority's certificate: the one file a client or the system must trust.
    public var authorityPath: String { self.folder + "/ca.pem" }
    /// The authority's private key: it signs the next leaf, so a new host needs no new trust.
    public var authorityKeyPath: String { self.folder + "/ca-key.pem" }

    /// Names the files in `folder`; nothing is read or written.
    public init(folder: String) {
        self.folder = folder
    }

    /// `$XDG_DATA_HOME/journey/dev-tls`, or `~/.local/share/journey/dev-tls`.
    public static var defaultFolder: String {
        let environment = ProcessInfo.processInfo.environment
        let data =
            environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? FileManager.default.homeDirectoryForCurrentUser.path) + "/.local/share"
        return data + "/journey/dev-tls"
    }

    /// Whether the leaf and its key are there to serve.
    public var exists: Bool {
        FileManager.default.fileExists(atPath: self.certificatePath)
            && FileManager.default.fileExists(atPath: self.privateKeyPath)
    }

    /// Makes a leaf for `hosts` (DNS names or IP addresses), signed by the folder's authority, which is made first
    /// if the folder has none. `localhost` brings 127.0.0.1 and ::1 with it.
    @discardableResult
    public func create(hosts: [String], now: Date = Date()) throws -> DevelopmentCertificate {
        try FileManager.default.createDirectory(
            atPath: self.folder,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        let (authority, authorityKey) = try self.loadOrCreateAuthority(now: now)
        let key = P256.Signing.PrivateKey()
        var names: [GeneralName] = []
        for host in hosts + (hosts.contains("localhost") ? ["127.0.0.1", "::1"] : []) {
            if let address = Self.addressBytes(host) {
                names.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(address))))
            } else {
                names.append(.dnsName(host))
            }
        }
        let subject = try DistinguishedName {
            OrganizationName("Journey development")
            CommonName(hosts.first ?? "localhost")
        }
        let leaf = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600),
            // 397 days: what browsers accept for a server certificate.
            notValidAfter: now.addingTimeInterval(397 * 86400),
            issuer: authority.subject,
            subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names)
                SubjectKeyIdentifier(hash: Certificate.PublicKey(key.publicKey))
                AuthorityKeyIdentifier(keyIdentifier: SubjectKeyIdentifier(hash: authority.publicKey).keyIdentifier)
            },
            issuerPrivateKey: authorityKey
        )
        try Self.write(key.pemRepresentation, to: self.privateKeyPath, secret: true)
        try Self.write(leaf.serializeAsPEM().pemString + "\n", to: self.certificatePath, secret: false)
        return self
    }

    /// How to make clients trust the authority, for the folder's files.
    public var trustInstructions: String {
        """
        Trust the development authority once, and every certificate it signs is trusted:
          curl:    curl --cacert \(self.authorityPath) https://localhost:8443/
          Debian/Ubuntu system store:
                   sudo cp \(self.authorityPath) /usr/local/share/ca-certificates/journey-dev-ca.crt && sudo update-ca-certificates
          Chrome/Chromium on Linux (NSS):
                   certutil -d sql:$HOME/.pki/nssdb -A -t "C,," -n "Journey development CA" -i \(self.authorityPath)
          Firefox: Settings → Privacy & Security → Certificates → View Certificates → Authorities → Import
          macOS:   sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain \(self.authorityPath)
        Keep \(self.authorityKeyPath) private: whoever has it can make certificates this machine trusts.
        """
    }

    private func loadOrCreateAuthority(now: Date) throws -> (Certificate, Certificate.PrivateKey) {
        if FileManager.default.fileExists(atPath: self.authorityPath),
            FileManager.default.fileExists(atPath: self.authorityKeyPath)
        {
            let certificate = try Certificate(pemEncoded: String(contentsOfFile: self.authorityPath, encoding: .utf8))
            let key = try Certificate.PrivateKey(
                pemEncoded: String(contentsOfFile: self.authorityKeyPath, encoding: .utf8)
            )
            return (certificate, key)
        }
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName {
            OrganizationName("Journey development")
            CommonName("Journey development CA (\(ProcessInfo.processInfo.hostName))")
        }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: now.addingTimeInterval(10 * 365 * 86400),
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: Certificate.PublicKey(key.publicKey))
            },
            issuerPrivateKey: Certificate.PrivateKey(key)
        )
        try Self.write(key.pemRepresentation, to: self.authorityKeyPath, secret: true)
        try Self.write(certificate.serializeAsPEM().pemString + "\n", to: self.authorityPath, secret: false)
        return (certificate, Certificate.PrivateKey(key))
    }

    /// The 4 or 16 bytes of an IP address literal, nil for a host name.
    private static func addressBytes(_ host: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    /// Writes `text` atomically; a secret is readable by its owner only.
    private static func write(_ text: String, to path: String, secret: Bool) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: secret ? 0o600 : 0o644], ofItemAtPath: path)
    }
}
