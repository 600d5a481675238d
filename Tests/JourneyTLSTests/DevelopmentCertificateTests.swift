import Foundation
import JourneyTLS
import SwiftASN1
import Testing
import X509

@Suite struct DevelopmentCertificateTests {
    let folder = NSTemporaryDirectory() + "journey-dev-cert-" + UUID().uuidString

    @Test func aLeafForLocalhostSignedByALocalAuthority() throws {
        defer { try? FileManager.default.removeItem(atPath: self.folder) }
        let certificate = try DevelopmentCertificate(folder: self.folder).create(hosts: ["localhost"])
        let leaf = try Certificate(pemEncoded: String(contentsOfFile: certificate.certificatePath, encoding: .utf8))
        let authority = try Certificate(pemEncoded: String(contentsOfFile: certificate.authorityPath, encoding: .utf8))
        #expect(leaf.issuer == authority.subject)
        #expect(authority.publicKey.isValidSignature(leaf.signature, for: leaf))
        let names = try #require(try leaf.extensions.subjectAlternativeNames)
        #expect(names.contains(.dnsName("localhost")))
        #expect(names.contains(.ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))))
        #expect(
            names.contains(
                .ipAddress(ASN1OctetString(contentBytes: ArraySlice([UInt8](repeating: 0, count: 15) + [1])))
            )
        )
        #expect(try leaf.extensions.basicConstraints == .notCertificateAuthority)
        #expect(try leaf.extensions.extendedKeyUsage?.contains(.serverAuth) == true)
        #expect(try authority.extensions.basicConstraints == .isCertificateAuthority(maxPathLength: 0))
        // Browsers take at most 398 days for a server certificate.
        #expect(leaf.notValidAfter.timeIntervalSince(leaf.notValidBefore) <= 398 * 86400)
        // The private keys are the owner's alone.
        for path in [certificate.privateKeyPath, certificate.authorityKeyPath] {
            let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(permissions == 0o600)
        }
        let key = try Certificate.PrivateKey(
            pemEncoded: String(contentsOfFile: certificate.privateKeyPath, encoding: .utf8)
        )
        #expect(key.publicKey == leaf.publicKey)
    }

    @Test func aSecondCertificateReusesTheAuthoritySoOneTrustIsEnough() throws {
        defer { try? FileManager.default.removeItem(atPath: self.folder) }
        let certificate = DevelopmentCertificate(folder: self.folder)
        try certificate.create(hosts: ["localhost"])
        let firstAuthority = try String(contentsOfFile: certificate.authorityPath, encoding: .utf8)
        let firstLeaf = try String(contentsOfFile: certificate.certificatePath, encoding: .utf8)
        try certificate.create(hosts: ["app.test", "10.0.0.7"])
        #expect(try String(contentsOfFile: certificate.authorityPath, encoding: .utf8) == firstAuthority)
        let leaf = try Certificate(pemEncoded: String(contentsOfFile: certificate.certificatePath, encoding: .utf8))
        #expect(try leaf.serializeAsPEM().pemString + "\n" != firstLeaf)
        let names = try #require(try leaf.extensions.subjectAlternativeNames)
        #expect(Array(names) == [.dnsName("app.test"), .ipAddress(ASN1OctetString(contentBytes: [10, 0, 0, 7]))])
    }
}
