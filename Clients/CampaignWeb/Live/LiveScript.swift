import Foundation
import Hummingbird

/// `live.js`, shipped in the binary: it keeps the page's figures up to date from `/live` (see the
/// comment at its top for the `data-live` keys the templates use).
public enum LiveScript {
    public static let path = "/live.js"

    /// The script's bytes.
    public static let source: [UInt8] = PackageResources.live_js

    /// A hash of the content (FNV-1a, 64 bits, hex): it names this version of the script, for cache busting.
    public static let version: String = {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in source {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return String(hash, radix: 16)
    }()

    /// What the pages link to: `/live.js?v=<version>`, cached for a year, since a new script has a new URL.
    public static var versionedPath: String { "\(path)?v=\(version)" }

    /// The script: immutable for a year under its versioned URL, five minutes (then revalidated by ETag)
    /// under the bare one.
    static func response(to request: Request) -> Response {
        let etag = "\"\(version)\""
        var headers = HTTPFields()
        headers[.contentType] = "text/javascript; charset=utf-8"
        headers[.eTag] = etag
        headers[.cacheControl] =
            request.uri.queryParameters.get("v") == version ? "public, max-age=31536000, immutable" : "public, max-age=300"
        if request.headers[.ifNoneMatch] == etag {
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: source)))
    }
}
