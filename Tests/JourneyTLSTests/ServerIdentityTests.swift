import Foundation
import JourneyStageTestSupport
import JourneyTLS
import Testing
import X509

@Suite struct ServerIdentityTests {
    let folder = NSTemporaryDirectory() + "journey-identity-" + UUID().uuidString

    @Test func aChangedPairIsAdoptedAndABrokenOneRefused() throws {
        defer { try? FileManager.default.removeItem(atPath: self.folder) }
        let certificate = try DevelopmentCertificate(folder: self.folder).create(hosts: ["localhost"])
        let identity = try ServerIdentity(
            certificatePath: certificate.certificatePath,
            privateKeyPath: certificate.privateKeyPath
        )
        let first = try #require(identity.certificate)
        let context = try identity.context(offering: ["h2", "http/1.1"])
        #expect(try identity.context(offering: ["h2", "http/1.1"]) === context, "made once per pair")

        // The same files again: nothing to adopt.
        try identity.reload()
        #expect(identity.reloads == 0)
        #expect(try identity.context(offering: ["h2", "http/1.1"]) === context)

        // A certificate without its matching key (the key file not yet replaced): refused, the old pair stays.
        let otherFolder = self.folder + "/other"
        let other = try DevelopmentCertificate(folder: otherFolder).create(hosts: ["localhost"])
        try FileManager.default.removeItem(atPath: certificate.certificatePath)
        try FileManager.default.copyItem(atPath: other.certificatePath, toPath: certificate.certificatePath)
        #expect(throws: (any Error).self) { try identity.reload() }
        #expect(identity.reloads == 0)
        #expect(identity.certificate == first)

        // Then the key arrives: the new pair is served, through new contexts.
        try FileManager.default.removeItem(atPath: certificate.privateKeyPath)
        try FileManager.default.copyItem(atPath: other.privateKeyPath, toPath: certificate.privateKeyPath)
        try identity.reload()
        #expect(identity.reloads == 1)
        #expect(identity.certificate != first)
        #expect(try identity.context(offering: ["h2", "http/1.1"]) !== context)
    }

    @Test func renewedFilesArePickedUpByTheCheckWithoutASignal() async throws {
        defer { try? FileManager.default.removeItem(atPath: self.folder) }
        let certificate = try DevelopmentCertificate(folder: self.folder).create(hosts: ["localhost"])
        let identity = try ServerIdentity(
            certificatePath: certificate.certificatePath,
            privateKeyPath: certificate.privateKeyPath,
            checkInterval: .milliseconds(50)
        )
        let first = try #require(identity.certificate)
        let watch = Task { try await identity.watch() }
        defer { watch.cancel() }
        try certificate.create(hosts: ["localhost", "renewed.test"])
        try await waitAtMost(for: "the renewed files to be read") { await identity.waitForRenewal(beyond: 0) }
        #expect(identity.reloads == 1)
        #expect(identity.certificate != first)
    }

    @Test func missingFilesAreAnErrorAtStart() {
        #expect(throws: (any Error).self) {
            try ServerIdentity(
                certificatePath: self.folder + "/none.pem",
                privateKeyPath: self.folder + "/none-key.pem"
            )
        }
    }
}
