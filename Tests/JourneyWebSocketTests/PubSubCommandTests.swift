import Foundation
import Testing

@testable import JourneyWebSocket

@Suite struct PubSubCommandTests {
    @Test func commandsParse() throws {
        #expect(try PubSubCommand(parsing: #"{"op":"subscribe","topic":"news"}"#) == .subscribe(topic: "news"))
        #expect(try PubSubCommand(parsing: #"{"topic":"news","op":"unsubscribe"}"#) == .unsubscribe(topic: "news"))
        guard
            case .publish(let topic, let data) = try PubSubCommand(
                parsing: #"{"op":"publish","topic":"t","data":[1,"a/b",{"x":null}]}"#
            )
        else {
            Issue.record("not a publish")
            return
        }
        #expect(topic == "t")
        #expect(String(decoding: data, as: UTF8.self) == #"[1,"a/b",{"x":null}]"#)
    }

    @Test func aPublishWithoutDataPublishesNull() throws {
        #expect(
            try PubSubCommand(parsing: #"{"op":"publish","topic":"t"}"#)
                == .publish(topic: "t", data: Data("null".utf8))
        )
    }

    @Test(arguments: [
        "not json", "[1,2]", #"{"topic":"t"}"#, #"{"op":"subscribe"}"#, #"{"op":"subscribe","topic":""}"#,
        #"{"op":"subscribe","topic":42}"#, #"{"op":"shout","topic":"t"}"#,
        "{\"op\":\"subscribe\",\"topic\":\"\(String(repeating: "t", count: 257))\"}",
    ])
    func badCommandsAreRefusedWithAReason(text: String) {
        #expect(throws: PubSubCommand.Problem.self) { try PubSubCommand(parsing: text) }
    }

    @Test func theDeliveryCarriesTheTopicAndTheDataAsSent() throws {
        let frame = try PubSubCommand.delivery(topic: "a\"b", data: Data(#"{"n":1}"#.utf8))
        var bytes = frame.bytes
        bytes.moveReaderIndex(forwardBy: 2)
        #expect(bytes.readString(length: bytes.readableBytes) == #"{"topic":"a\"b","data":{"n":1}}"#)
    }
}
