import CampaignProtocol
import NIOCore

/// Sorts what the service sends: answers settle pending calls, notifications go to the streams.
struct Inbox: Sendable {
    let pending: PendingCalls
    let subscriptions: Subscriptions
    let notifications: AsyncStream<CampaignClient.Notification>.Continuation

    /// Larger than the service's own request limit: results (`rpc.discover`) may nest deeper than params.
    static let maxDepth = 512

    func receive(_ line: ByteBuffer) -> String? {
        let bytes = line.readableBytesView
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return nil }
        let message: JSONValue
        do {
            message = try JSONParser.parse(bytes, maxDepth: Self.maxDepth)
        } catch {
            pending.noteUnattributed(ResponseError(code: .parseError, message: "campaignd sent invalid JSON: \(error)"))
            return nil
        }
        if case .array(let elements) = message {
            // A batch of answers; this client sends no batches, but a reply must still be read as one.
            for element in elements { _ = handle(element) }
            return nil
        }
        return handle(message)
    }

    func end() {
        pending.close(with: CampaignClientError.connectionClosed)
        notifications.finish()
        subscriptions.end()
    }

    private func handle(_ message: JSONValue) -> String? {
        guard case .object(let members) = message else { return nil }
        if case .string(let method) = members["method"] {
            guard let id = members["id"] else {
                notifications.yield((method: method, params: members["params"]))
                subscriptions.deliver(method: method, params: members["params"])
                return nil
            }
            // The service asks something of the client: nothing is defined, so say so rather than hang it.
            let error = ResponseError.methodNotFound(method)
            var reply: [String: JSONValue] = ["jsonrpc": .string("2.0"), "id": id]
            reply["error"] = .object([
                "code": JSONValue(error.code.rawValue),
                "message": .string(error.message),
            ])
            return JSONWriter.string(.object(reply))
        }
        let outcome: PendingCalls.Outcome
        if let error = members["error"] {
            do {
                outcome = .failure(try JSONValueDecoder(strict: false).decode(ResponseError.self, from: error))
            } catch {
                outcome = .failure(
                    CampaignClientError.invalidResponse("malformed error member: \(JSONWriter.string(members["error"] ?? .null))"))
            }
        } else if let result = members["result"] {
            outcome = .success(result)
        } else {
            outcome = .failure(CampaignClientError.invalidResponse("neither result nor error"))
        }
        // Every id this client sends is a positive integer; anything else (null) is not about one call.
        if case .number(let text)? = members["id"], let id = Int(text) {
            pending.settle(id, with: outcome)
        } else if case .failure(let error as ResponseError) = outcome {
            pending.noteUnattributed(error)
        }
        return nil
    }
}
