import Foundation
import NIOCore
import Testing

@testable import JourneyWebSocket

@Suite struct PubSubCommandTests {
    @Test func commandsParse() throws {
        #expect(
            try PubSubCommand(parsing: #"{"op":"subscribe","topic":"news"}"#) == .subscribe(topic: "news", since: nil)
        )
        #expect(
            try PubSubCommand(parsing: #"{"op":"subscribe","topic":"news","since":"e:1-0"}"#)
                == .subscribe(topic: "news", since: "e:1-0")
        )
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
        let message = PubSubMessage(data: ByteBuffer(string: #"{"n":1}"#), publishedAt: 0)
        var bytes = PubSubCommand.delivery(topic: "a\"b", message: message).bytes
        bytes.moveReaderIndex(forwardBy: 2)
        #expect(bytes.readString(length: bytes.readableBytes) == #"{"topic":"a\"b","data":{"n":1}}"#)
    }

    @Test func aDeliveryFromAHistoryCarriesItsPosition() throws {
        let position = try #require(PubSubPosition("k3x:1700000000000-4"))
        let message = PubSubMessage(data: ByteBuffer(string: "2"), position: position, publishedAt: 0)
        var bytes = PubSubCommand.delivery(topic: "t", message: message).bytes
        bytes.moveReaderIndex(forwardBy: 2)
        #expect(bytes.readString(length: bytes.readableBytes) == #"{"topic":"t","id":"k3x:1700000000000-4","data":2}"#)
    }

    /// Key order, number spelling and precision survive: the bytes go out as they came in (re-encoding a parsed
    /// object would reorder its keys and round 2^53 + 1).
    @Test(arguments: [
        #"{"t":9007199254740993,"pad":"x","z":1.50}"#, #"{"z":[1, 2, {"k":"a,}\"b"}],"a":null}"#, "-0.0e-3",
        #""a \" b""#, "true", #"[{"op":"publish"}]"#,
    ])
    func publishedDataIsRelayedAsWritten(data: String) throws {
        let command = try PubSubCommand(parsing: "{ \"op\" : \"publish\", \"data\" : \(data) , \"topic\":\"t\"}")
        #expect(command == .publish(topic: "t", data: Data(data.utf8)))
    }

    @Test func theLastDataMemberIsTheOneRelayed() throws {
        let command = try PubSubCommand(parsing: #"{"op":"publish","topic":"t","data":1,"data":{"b":2,"a":1}}"#)
        #expect(command == .publish(topic: "t", data: Data(#"{"b":2,"a":1}"#.utf8)))
    }

    @Test func dataUnderAnEscapedKeyIsFoundToo() throws {
        let command = try PubSubCommand(parsing: #"{"op":"publish","topic":"t","d\u0061ta":[1, 2]}"#)
        #expect(command == .publish(topic: "t", data: Data("[1, 2]".utf8)))
    }
}
