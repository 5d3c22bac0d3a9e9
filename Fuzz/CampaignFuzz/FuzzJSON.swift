import CampaignProtocol

/// (a) The strict parser (depth limit 64, as the dispatcher uses it) and the strict decoder.
///
/// Properties: what the writer writes of a parsed value parses back to the same value; decoding any
/// parsed value into the method types ends in a value or a `DecodingError`, never a crash; a timestamp
/// that parses writes back as one that parses to the same instant.
func fuzzJSON(_ bytes: [UInt8]) {
    let value: JSONValue
    do {
        value = try JSONParser.parse(bytes, maxDepth: 64)
    } catch {
        return
    }

    let written = JSONWriter.string(value)
    let reparsed = try? JSONParser.parse(written, maxDepth: 64)
    fuzzCheck(reparsed == value, "the writer's output does not parse back to the same value: \(written)")

    // The document itself, and the params of a request or of each request of a batch.
    decodeMethods(value)
    if let params = value["params"] { decodeMethods(params) }
    for element in value.arrayValue ?? [] {
        if let params = element["params"] { decodeMethods(params) }
    }
    checkTimestamps(in: value, depth: 0)
}

private func decodeMethods(_ value: JSONValue) {
    for strict in [true, false] {
        let decoder = JSONValueDecoder(strict: strict)
        _ = try? decoder.decode(SignLetter.self, from: value)
        _ = try? decoder.decode(CreatePledge.self, from: value)
        _ = try? decoder.decode(CreateRSVP.self, from: value)
        _ = try? decoder.decode(CreateEvent.self, from: value)
        _ = try? decoder.decode(ImportCampaign.self, from: value)
        _ = try? decoder.decode(CampaignDefinition.self, from: value)
        // What a client decodes from a server's reply.
        _ = try? decoder.decode(ResponseError.self, from: value)
        _ = try? decoder.decode(RequestID.self, from: value)
        _ = try? decoder.decode(JSONValue.self, from: value)
    }
    // Errors name their field; building that path must not crash either.
    do {
        _ = try JSONValueDecoder(strict: true).decode(SignLetter.self, from: value)
    } catch let error as DecodingError {
        _ = ResponseError.invalidParams(error)
    } catch {}
}

/// Every string that reads as a timestamp must write back as text that reads as the same instant.
private func checkTimestamps(in value: JSONValue, depth: Int) {
    switch value {
    case .string(let text):
        guard let t = Timestamp(rfc3339: text) else { return }
        fuzzCheck(
            Timestamp(rfc3339: t.description) == t,
            "timestamp \(text) is written as \(t.description), which does not read back as the same instant")
    case .array(let elements):
        for element in elements { checkTimestamps(in: element, depth: depth + 1) }
    case .object(let members):
        for (key, member) in members {
            checkTimestamps(in: .string(key), depth: depth + 1)
            checkTimestamps(in: member, depth: depth + 1)
        }
    default:
        break
    }
}

/// `FastRequestMatch` answers `signatures.count` without a tree; whatever it matches, the full path
/// must read as the same request: same method, no params (or `{}`), the same id.
func fuzzFastMatch(_ bytes: [UInt8]) {
    let method = Array("signatures.count".utf8)
    let match = bytes.withUnsafeBufferPointer { FastRequestMatch.parameterless($0, method: method) }
    guard let match else { return }
    let value: JSONValue
    do {
        value = try JSONParser.parse(bytes, maxDepth: 64)
    } catch {
        fuzzCheck(false, "FastRequestMatch matched a frame the parser refuses (\(error))")
        return
    }
    guard case .success(let request) = Request.validate(value) else {
        fuzzCheck(false, "FastRequestMatch matched a frame that is not a valid request")
        return
    }
    fuzzCheck(request.method == "signatures.count", "FastRequestMatch matched method \(request.method)")
    fuzzCheck(request.params == nil || request.params == .object([:]), "FastRequestMatch matched a request with params")
    switch match {
    case .notification:
        fuzzCheck(request.id == nil, "FastRequestMatch took a request with an id for a notification")
    case .request(let idStart, let idEnd):
        fuzzCheck(0 <= idStart && idStart <= idEnd && idEnd <= bytes.count, "FastRequestMatch id range out of bounds")
        let idBytes = Array(bytes[idStart..<idEnd])
        let id = try? JSONParser.parse(idBytes, maxDepth: 1)
        fuzzCheck(request.id != nil && id == request.id?.json, "FastRequestMatch id bytes differ from the request's id")
    }
}
