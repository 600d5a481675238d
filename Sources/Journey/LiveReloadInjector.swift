import HTTPTypes
import JourneyCore
import JourneyWebSocket
import NIOCore

/// Adds live reload's script to the HTML the folder serves (`--live-reload` only). The script goes after the
/// document as a second body part, so a file still leaves by sendfile; the page is marked `no-store` and its
/// validators dropped, since what is sent is no longer the file they describe.
struct LiveReloadInjector: Responder {
    let responder: any Responder

    func refusal(of request: Request) -> HTTPError? {
        self.responder.refusal(of: request)
    }

    func respond(to request: Request, context: RequestContext) -> EventLoopFuture<Response> {
        self.responder.respond(to: request, context: context).map { response in
            guard response.head.status == .ok,
                let type = response.head.headerFields[.contentType], type.lowercased().hasPrefix("text/html")
            else { return response }
            var response = response
            let script = LiveReload.script
            switch response.body {
            case .empty:
                // HEAD: no body, but the length of what GET sends.
                guard let length = response.head.headerFields[.contentLength].flatMap({ Int($0) }) else {
                    return response
                }
                response.head.headerFields[.contentLength] = String(length + script.readableBytes)
                Self.markNotTheFile(&response)
                return response
            case .bytes(let bytes): response.body = .parts([.bytes(bytes), .bytes(script)])
            case .file(let slice): response.body = .parts([.file(slice), .bytes(script)])
            case .parts(let parts): response.body = .parts(parts + [.bytes(script)])
            case .stream: return response
            }
            response.head.headerFields[.contentLength] = nil
            Self.markNotTheFile(&response)
            return response
        }
    }

    /// The file's validators and ranges no longer describe what is sent.
    private static func markNotTheFile(_ response: inout Response) {
        for name in [HTTPField.Name.eTag, .lastModified, .acceptRanges] { response.head.headerFields[name] = nil }
        response.head.headerFields[.cacheControl] = "no-store"
    }
}
