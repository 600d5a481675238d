import Foundation
import NIOCore
import NIOFoundationCompat

/// One message a pub/sub client sends: `{"op":"subscribe","topic":"t"}`, `{"op":"unsubscribe","topic":"t"}` or
/// `{"op":"publish","topic":"t","data":...}`, where `data` is any JSON value and is passed on as it was sent.
enum PubSubCommand: Equatable {
    case subscribe(topic: String)
    case unsubscribe(topic: String)
    case publish(topic: String, data: Data)

    /// The longest topic name, in bytes: a topic is a key, not a payload.
    static let maximumTopicLength = 256

    /// Why a message is not a command; sent back to the client as `{"error":"..."}`.
    struct Problem: Error, Equatable {
        let reason: String
    }

    /// Reads a command from a message's text.
    init(parsing text: String) throws(Problem) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)),
            let fields = object as? [String: Any]
        else { throw Problem(reason: "not a JSON object") }
        guard let op = fields["op"] as? String else { throw Problem(reason: "no \"op\"") }
        guard let topic = fields["topic"] as? String, !topic.isEmpty,
            topic.utf8.count <= Self.maximumTopicLength
        else { throw Problem(reason: "\"topic\" must be a string of 1 to \(Self.maximumTopicLength) bytes") }
        switch op {
        case "subscribe":
            self = .subscribe(topic: topic)
        case "unsubscribe":
            self = .unsubscribe(topic: topic)
        case "publish":
            self = .publish(topic: topic, data: try Self.json(fields["data"] ?? NSNull()))
        default:
            throw Problem(reason: "unknown op \"\(op)\"")
        }
    }

    /// `value` as JSON text (any value, not only objects and arrays).
    static func json(_ value: Any) throws(Problem) -> Data {
        guard
            let data = try? JSONSerialization.data(
                withJSONObject: value,
                options: [.fragmentsAllowed, .withoutEscapingSlashes]
            )
        else { throw Problem(reason: "\"data\" is not JSON") }
        return data
    }

    /// The frame subscribers get, `{"topic":"t","data":...}`, encoded once for all of them.
    static func delivery(topic: String, data: Data) throws(Problem) -> EncodedFrame {
        var payload = ByteBufferAllocator().buffer(capacity: data.count + topic.utf8.count + 24)
        payload.writeString("{\"topic\":")
        payload.writeBytes(try Self.json(topic))
        payload.writeString(",\"data\":")
        payload.writeBytes(data)
        payload.writeString("}")
        return EncodedFrame(text: payload)
    }
}
