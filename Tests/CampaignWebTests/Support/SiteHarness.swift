import CampaignProtocol
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging

@testable import CampaignWeb

/// A site in front of a real campaignd, driven through HummingbirdTesting.
/// Unchecked: `site.router` is only read to build the application, before any request runs.
struct SiteHarness: @unchecked Sendable {
    let campaignd: Campaignd
    let site: Site

    init(configure: (inout SiteConfiguration) -> Void = { _ in }) throws {
        campaignd = try Campaignd()
        var configuration = SiteConfiguration(socketPath: campaignd.publicSocket)
        configure(&configuration)
        var logger = Logger(label: "campaign-web-test")
        logger.logLevel = .warning
        site = try Site(configuration: configuration, logger: logger)
    }

    var application: some ApplicationProtocol {
        var logger = Logger(label: "campaign-web-test")
        logger.logLevel = .warning
        return Application(router: site.router, services: site.services, logger: logger)
    }

    func test<Value: Sendable>(
        _ setup: TestingSetup = .router, _ body: @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        try await application.test(setup) { client in try await body(client) }
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
}

/// A browser's form post from the site itself.
func formPost(
    _ client: any TestClientProtocol, _ uri: String, _ fields: [(String, String)], headers: HTTPFields = [:]
) async throws -> TestResponse {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    let body = fields.map { name, value in
        (name.addingPercentEncoding(withAllowedCharacters: allowed) ?? "") + "="
            + (value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
    }.joined(separator: "&")
    var headers = headers
    headers[.contentType] = "application/x-www-form-urlencoded"
    return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
}
