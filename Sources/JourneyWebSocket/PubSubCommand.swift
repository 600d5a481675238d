import NIOCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One message a pub/sub client sends: `{"op":"subscribe","topic":"t"}`, `{"op":"unsubscribe","topic":"t"}` or
/// `{"op":"publish","topic":"t","data":...}`, where `data` is any JSON value and is passed on as it was sent.
enum PubSubCommand: Equatable {
    /// `since`: the last position the subscriber saw (`"since":"ID"`), to be sent what came after it first.
    case subscribe(topic: String, since: String?)
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
        let bytes = Array(text.utf8)
        // JSONDecoder reads the whole text first: a command that decodes is valid JSON throughout, `data` included.
        guard let fields = try? JSONDecoder().decode(Fields.self, from: Data(bytes)) else {
            throw Problem(reason: "not a JSON object")
        }
        guard let op = fields.op else { throw Problem(reason: "no \"op\"") }
        guard let topic = fields.topic, !topic.isEmpty, topic.utf8.count <= Self.maximumTopicLength else {
            throw Problem(reason: "\"topic\" must be a string of 1 to \(Self.maximumTopicLength) bytes")
        }
        switch op {
        case "subscribe":
            self = .subscribe(topic: topic, since: fields.since)
        case "unsubscribe":
            self = .unsubscribe(topic: topic)
        case "publish":
            // Passed on as written: key order, number spelling and precision are the publisher's.
            let data = JSONMemberText.value(of: "data", in: bytes)
            self = .publish(topic: topic, data: Data(data ?? Array("null".utf8)[...]))
        default:
            throw Problem(reason: "unknown op \"\(op)\"")
        }
    }

    /// The members a command is read by; any other member, or a member of another type, is as if absent.
    private struct Fields: Decodable {
        var op: String?
        var topic: String?
        var since: String?

        enum CodingKeys: String, CodingKey {
            case op, topic, since
        }

        init(from decoder: any Decoder) throws {
            // Throws unless the text is an object.
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.op = try? container.decodeIfPresent(String.self, forKey: .op)
            self.topic = try? container.decodeIfPresent(String.self, forKey: .topic)
            self.since = try? container.decodeIfPresent(String.self, forKey: .since)
        }
    }

    /// `string` as a JSON string.
    static func json(_ string: String) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        // Encoding a String cannot fail; the fallback only keeps this total.
        return (try? encoder.encode(string)) ?? Data("\"\"".utf8)
    }

    /// The frame subscribers get, `{"topic":"t","data":...}` (`{"topic":"t","id":"POSITION","data":...}` with a
    /// history), encoded once for all of them.
    static func delivery(topic: String, message: PubSubMessage) -> EncodedFrame {
        var payload = ByteBufferAllocator().buffer(capacity: message.data.readableBytes + topic.utf8.count + 80)
        payload.writeString("{\"topic\":")
        payload.writeBytes(Self.json(topic))
        if let position = message.position {
            payload.writeString(",\"id\":")
            payload.writeBytes(Self.json(position.description))
        }
        payload.writeString(",\"data\":")
        payload.writeImmutableBuffer(message.data)
        payload.writeString("}")
        return EncodedFrame(text: payload)
    }
}
