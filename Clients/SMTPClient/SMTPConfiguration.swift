/// A user name and password for AUTH PLAIN or LOGIN. Never part of the transport URL.
public struct SMTPCredentials: Sendable, Equatable {
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }
}

/// How a connection is protected.
public enum SMTPSecurity: Sendable, Equatable {
    /// STARTTLS when the server offers it; with `required`, no mail goes out unless it does and its
    /// certificate is trusted. Without `required` the certificate is not verified and credentials are refused.
    case startTLS(required: Bool)
    /// TLS from the first byte (smtps, RFC 8314).
    case implicitTLS
    /// Clear text; credentials are then refused.
    case none
}

/// Which certificates a TLS server must chain to.
public enum SMTPTrustRoots: Sendable, Equatable {
    case system
    /// A PEM file of CA certificates (a private CA, the tests' own).
    case file(String)
}

public struct SMTPTimeouts: Sendable, Equatable {
    public var connect: Duration
    /// For each reply to a command, the greeting and the TLS handshake.
    public var command: Duration
    /// For the reply to a message's final dot (RFC 5321 §4.5.3.2.6 suggests 10 minutes).
    public var data: Duration

    public init(connect: Duration = .seconds(30), command: Duration = .seconds(300), data: Duration = .seconds(600)) {
        self.connect = connect
        self.command = command
        self.data = data
    }
}

public struct SMTPConfiguration: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var security: SMTPSecurity
    public var credentials: SMTPCredentials?
    public var trustRoots: SMTPTrustRoots
    public var ehloName: String
    public var timeouts: SMTPTimeouts

    public init(
        host: String, port: Int, security: SMTPSecurity, credentials: SMTPCredentials? = nil,
        trustRoots: SMTPTrustRoots = .system, ehloName: String = "localhost", timeouts: SMTPTimeouts = SMTPTimeouts()
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.credentials = credentials
        self.trustRoots = trustRoots
        self.ehloName = ehloName
        self.timeouts = timeouts
    }

    public enum URLError: Error, Equatable, CustomStringConvertible {
        case unsupportedScheme(String)
        case missingHost
        case badPort(String)
        case credentialsInURL
        case unknownOption(String)

        public var description: String {
            switch self {
            case .unsupportedScheme(let scheme): "unsupported scheme \(scheme.debugDescription): use smtp:// or smtps://"
            case .missingHost: "the URL names no host"
            case .badPort(let port): "bad port \(port.debugDescription)"
            case .credentialsInURL: "credentials do not belong in the URL: give them with --credentials"
            case .unknownOption(let option): "unknown option \(option.debugDescription): only tls=none is known"
            }
        }
    }

    /// Parses `smtp://host[:port][?tls=none]` (port 25 by default; STARTTLS required unless `tls=none`)
    /// and `smtps://host[:port]` (port 465 by default). An IPv6 host is written in brackets.
    public init(url: String, credentials: SMTPCredentials? = nil, trustRoots: SMTPTrustRoots = .system, ehloName: String = "localhost")
        throws(URLError)
    {
        let implicitTLS: Bool
        let rest: Substring
        if url.lowercased().hasPrefix("smtp://") {
            implicitTLS = false
            rest = url.dropFirst("smtp://".count)
        } else if url.lowercased().hasPrefix("smtps://") {
            implicitTLS = true
            rest = url.dropFirst("smtps://".count)
        } else {
            throw .unsupportedScheme(String(url.prefix { $0 != ":" }))
        }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        if authority.contains("@") { throw .credentialsInURL }
        var query = rest[authorityEnd...]
        if query.hasPrefix("/") { query = query.drop { $0 == "/" } }
        var security: SMTPSecurity = implicitTLS ? .implicitTLS : .startTLS(required: true)
        if query.hasPrefix("?") {
            for option in query.dropFirst().split(separator: "&") {
                guard option == "tls=none", !implicitTLS else { throw .unknownOption(String(option)) }
                security = .startTLS(required: false)
            }
        } else if !query.isEmpty {
            throw .unknownOption(String(query))
        }
        let host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw .missingHost }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty { throw .badPort(String(after)) }
        } else if let colon = authority.firstIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { throw .missingHost }
        var port = implicitTLS ? 465 : 25
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else { throw .badPort(String(portText)) }
            port = value
        }
        self.init(
            host: String(host), port: port, security: security, credentials: credentials, trustRoots: trustRoots, ehloName: ehloName)
    }
}
