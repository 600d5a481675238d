import Testing

@testable import JourneyWebSocket

/// RFC 7692 §7.1's negotiation: the first acceptable offer, answered with what both sides will use.
@Suite struct PerMessageDeflateAgreementTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let offers: [String]
        var windowBits: Int?
        var noContextTakeover = false
        let response: String?
        var testDescription: String { self.offers.joined(separator: " | ") + " → " + (self.response ?? "declined") }
    }

    static let cases: [Case] = [
        Case(offers: ["permessage-deflate"], response: "permessage-deflate"),
        Case(
            offers: ["permessage-deflate; client_max_window_bits"],
            response: "permessage-deflate"
        ),
        Case(
            offers: ["permessage-deflate; client_max_window_bits"],
            windowBits: 10,
            response: "permessage-deflate; server_max_window_bits=10; client_max_window_bits=10"
        ),
        Case(
            offers: ["permessage-deflate; server_max_window_bits=12; server_no_context_takeover"],
            response: "permessage-deflate; server_no_context_takeover; server_max_window_bits=12"
        ),
        Case(
            offers: ["permessage-deflate; server_max_window_bits=\"11\""],
            response: "permessage-deflate; server_max_window_bits=11"
        ),
        Case(
            offers: ["permessage-deflate"],
            noContextTakeover: true,
            response: "permessage-deflate; server_no_context_takeover; client_no_context_takeover"
        ),
        Case(offers: ["permessage-deflate; server_max_window_bits=8"], response: nil),
        Case(offers: ["permessage-deflate; server_max_window_bits=16"], response: nil),
        Case(offers: ["permessage-deflate; server_max_window_bits=010"], response: nil),
        Case(offers: ["permessage-deflate; server_max_window_bits"], response: nil),
        Case(offers: ["permessage-deflate; client_no_context_takeover=1"], response: nil),
        Case(offers: ["permessage-deflate; foo"], response: nil),
        Case(offers: ["permessage-deflate; client_no_context_takeover; client_no_context_takeover"], response: nil),
        Case(offers: ["x-webkit-deflate-frame"], response: nil),
        Case(
            offers: ["permessage-deflate; foo, permessage-deflate; client_no_context_takeover"],
            response: "permessage-deflate; client_no_context_takeover"
        ),
        Case(
            offers: ["x-other", "PerMessage-Deflate ; server_no_context_takeover"],
            response: "permessage-deflate; server_no_context_takeover"
        ),
    ]

    @Test(arguments: Self.cases) func negotiation(_ test: Case) {
        let agreed = PerMessageDeflateAgreement(
            offers: test.offers,
            windowBits: test.windowBits,
            noContextTakeover: test.noContextTakeover
        )
        #expect(agreed?.responseValue == test.response)
    }
}
